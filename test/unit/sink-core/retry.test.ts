// The sinks' one retry loop: a permanent error is not retried (fatal at once, with what failed and
// why), a retriable one is retried with bounded backoff until it succeeds or the budget is spent,
// and classification is by type (SinkWriteError.retriable; CommitConflict is one), never by name.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay, isRetriable, retrying, SinkFatalError, SinkWriteError, type RetryPolicy,
} from '../../../src/sinks/core/index.ts';
import { DeltaTable, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { CommitConflict } from '../../../src/sinks/delta/log.ts';

const policy: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 400, timeoutMs: 60_000 };

/** A fake clock-free sleep that records the delays asked for. */
function recorder(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => { delays.push(ms); } };
}

describe('backoffDelay', () => {
  it('doubles up to the cap, with ±20% jitter', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0.5))).toEqual([100, 200, 400, 400, 400]);
    expect(backoffDelay(policy, 1, () => 0)).toBe(80);
    expect(backoffDelay(policy, 9, () => 1)).toBe(480);
    expect(backoffDelay(policy, 10_000, () => 1)).toBe(480); // no overflow far out
  });
});

describe('retrying', () => {
  it('a retriable error is retried with bounded backoff until the work succeeds', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const retries: number[] = [];
    const v = await retrying('w', async () => {
      if (++calls < 6) throw new SinkWriteError('conflict', { retriable: true });
      return 42;
    }, policy, { sleep, onRetry: (_e, n) => retries.push(n) });
    expect(v).toBe(42);
    expect(retries).toEqual([1, 2, 3, 4, 5]);
    // Each delay within ±20% of initial × 2^(n-1), never above the cap's +20%.
    delays.forEach((d, i) => {
      const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** i);
      expect(d).toBeGreaterThanOrEqual(0.8 * base);
      expect(d).toBeLessThanOrEqual(1.2 * base);
    });
  });

  it('a permanent error is not retried: fatal at once, saying what failed and why', async () => {
    const { delays, sleep } = recorder();
    let calls = 0;
    const cause = new SinkWriteError('[INSUFFICIENT_PERMISSIONS] User does not have MODIFY', { retriable: false });
    const err = await retrying('sink: commit of t:0 offsets up to 9 into invoices', async () => {
      calls++;
      throw cause;
    }, policy, { sleep }).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
    expect(err).toBeInstanceOf(SinkFatalError);
    expect((err as SinkFatalError).attempts).toBe(1);
    expect((err as Error).cause).toBe(cause);
    expect((err as Error).message).toBe('sink: commit of t:0 offsets up to 9 into invoices: failed with a permanent error (not retried): [INSUFFICIENT_PERMISSIONS] User does not have MODIFY');
  });

  it('gives up when the time budget is spent, with what failed and for how long', async () => {
    const err = await retrying('sink: commit of t:0', () => Promise.reject(new Error('disk gone')), { initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkFatalError);
    expect((err as Error).message).toMatch(/^sink: commit of t:0: still failing after \d+ attempts in \d+ s: disk gone$/);
  });

  it('gives up after maxAttempts, and at the next failure once stopped', async () => {
    const { sleep } = recorder();
    let calls = 0;
    const fail = async (): Promise<never> => { calls++; throw new SinkWriteError('busy', { retriable: true }); };
    const err = await retrying('w', fail, { ...policy, maxAttempts: 4 }, { sleep }).catch((e: unknown) => e);
    expect([calls, (err as SinkFatalError).attempts]).toEqual([4, 4]);
    calls = 0;
    await retrying('w', fail, policy, { sleep, isStopped: () => true }).catch(() => undefined);
    expect(calls).toBe(1);
  });
});

describe('classification by type', () => {
  it('CommitConflict is retriable because it is one, whatever its constructor is called', () => {
    expect(new CommitConflict(3)).toBeInstanceOf(SinkWriteError);
    expect(isRetriable(new CommitConflict(3))).toBe(true);
    class Renamed extends CommitConflict {}
    expect(isRetriable(new Renamed(4))).toBe(true);
    // A name proves nothing: an error merely called CommitConflict keeps its writer's verdict.
    const Impostor = class CommitConflict extends SinkWriteError {
      constructor() {
        super('rows rejected', { retriable: false });
      }
    };
    expect(new Impostor().constructor.name).toBe('CommitConflict');
    expect(isRetriable(new Impostor())).toBe(false);
  });

  it('an error no writer classified is taken as transient (the budget bounds it)', () => {
    expect(isRetriable(new Error('target unreachable'))).toBe(true);
  });

  it('the local DeltaTable classifies its own errors: rejected rows permanent, storage trouble retriable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'retry-delta-'));
    try {
      const spec: DeltaTableSpec = { name: 't', keyColumns: ['id'], versionColumn: 'version', columns: [{ name: 'id', type: 'string', nullable: false }, { name: 'version', type: 'long', nullable: false }] };
      const table = await DeltaTable.open(join(dir, 't'), spec);
      const bad = await table.upsert([{ id: 'a', version: 1.5 }]).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(SinkWriteError);
      expect((bad as SinkWriteError).retriable).toBe(false);
      expect((bad as Error).message).toMatch(/not a long/);
      // The log directory replaced by a file: every write fails with a system code (ENOTDIR).
      await rm(join(dir, 't', '_delta_log'), { recursive: true });
      await writeFile(join(dir, 't', '_delta_log'), '');
      const storage = await table.upsert([{ id: 'a', version: 1 }]).catch((e: unknown) => e);
      expect(storage).toBeInstanceOf(SinkWriteError);
      expect((storage as SinkWriteError).retriable).toBe(true);
      expect(((storage as Error).cause as { code?: string }).code).toMatch(/^E/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
