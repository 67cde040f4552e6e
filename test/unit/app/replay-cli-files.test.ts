// The replay CLI and the user's files (issue 13): it writes only into a new or empty directory or
// over its own earlier outputs (replay-manifest.json), refuses anything else unless --overwrite,
// never deletes an input, starts from empty stores on a reused --state-dir, and checks every path
// before it writes (exit 2, naming the option).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/app/cli.ts';

const SAMPLES = resolve(import.meta.dirname, '../../../samples');
const CLI = resolve(import.meta.dirname, '../../../src/app/cli.ts');
const root = mkdtempSync(join(tmpdir(), 'replay-cli-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding the three sample inputs. */
function inputs(): { dir: string; args: string[] } {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir);
  for (const f of ['orders', 'payments', 'activity']) copyFileSync(join(SAMPLES, `${f}.jsonl`), join(dir, `${f}.jsonl`));
  return { dir, args: ['--orders', join(dir, 'orders.jsonl'), '--payments', join(dir, 'payments.jsonl'), '--activity', join(dir, 'activity.jsonl')] };
}

let stderr = '';
beforeEach(() => {
  stderr = '';
  vi.restoreAllMocks();
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});

async function replay(...args: string[]): Promise<number> {
  return main(['replay', ...args]);
}

const summary = (out: string): Record<string, number> => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;

describe('replay --out: only its own files are replaced', () => {
  it('refuses a directory holding files it did not write, and deletes nothing', async () => {
    const { dir, args } = inputs();
    const out = join(dir, 'out');
    mkdirSync(join(out, 'tables'), { recursive: true });
    writeFileSync(join(out, 'tables', 'mine.txt'), 'my notes');
    writeFileSync(join(out, 'notes.md'), 'mine too');
    expect(await replay(...args, '--out', out)).toBe(2);
    expect(stderr).toContain(out);
    expect(stderr).toContain('tables/mine.txt');
    expect(stderr).toContain('--overwrite');
    expect(readFileSync(join(out, 'tables', 'mine.txt'), 'utf8')).toBe('my notes');
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
  });

  it('with --overwrite replaces its output paths and leaves the rest of the directory', async () => {
    const { dir, args } = inputs();
    const out = join(dir, 'out');
    mkdirSync(join(out, 'tables'), { recursive: true });
    writeFileSync(join(out, 'tables', 'mine.txt'), 'in an output path');
    writeFileSync(join(out, 'notes.md'), 'beside the outputs');
    expect(await replay(...args, '--out', out, '--overwrite')).toBe(0);
    expect(readFileSync(join(out, 'notes.md'), 'utf8')).toBe('beside the outputs');
    expect(existsSync(join(out, 'tables', 'mine.txt'))).toBe(false);
    expect(summary(out).read).toBe(1184);
  });

  it('runs again into its own earlier --out without --overwrite, with the same result', async () => {
    const { dir, args } = inputs();
    const out = join(dir, 'out');
    expect(await replay(...args, '--out', out)).toBe(0);
    const first = summary(out);
    expect(existsSync(join(out, 'replay-manifest.json'))).toBe(true);
    expect(await replay(...args, '--out', out)).toBe(0);
    expect(summary(out)).toEqual(first);
  });

  it('refuses its own earlier --out once a file it did not write is added there', async () => {
    const { dir, args } = inputs();
    const out = join(dir, 'out');
    expect(await replay(...args, '--out', out)).toBe(0);
    writeFileSync(join(out, 'delta', 'invoices', 'extra.parquet'), 'not the replay');
    expect(await replay(...args, '--out', out)).toBe(2);
    expect(stderr).toContain('delta/invoices/extra.parquet');
    expect(existsSync(join(out, 'delta', 'invoices', 'extra.parquet'))).toBe(true);
  });

  it.each([[[]], [['--overwrite']]])('never deletes an input that sits at an output path (%j)', async (extra) => {
    const { dir, args } = inputs();
    const out = join(dir, 'out');
    mkdirSync(out);
    copyFileSync(join(dir, 'orders.jsonl'), join(out, 'dlq.jsonl'));
    const before = readFileSync(join(out, 'dlq.jsonl'));
    const code = await replay('--orders', join(out, 'dlq.jsonl'), ...args.slice(2), '--out', out, ...extra);
    expect(code).toBe(2);
    expect(stderr).toContain('--orders');
    expect(stderr).toContain(join(out, 'dlq.jsonl'));
    expect(readFileSync(join(out, 'dlq.jsonl')).equals(before)).toBe(true);
  });
});

describe('replay --state-dir: a reused state directory starts empty, never silently', () => {
  it('a second replay with the same --state-dir gives the first one\'s result and says it reset the stores', async () => {
    const { dir, args } = inputs();
    const state = join(dir, 'state');
    expect(await replay(...args, '--out', join(dir, 'out1'), '--state-dir', state)).toBe(0);
    const first = summary(join(dir, 'out1'));
    expect(first.applied).toBeGreaterThan(0);
    stderr = '';
    expect(await replay(...args, '--out', join(dir, 'out2'), '--state-dir', state)).toBe(0);
    expect(summary(join(dir, 'out2'))).toEqual(first);
    expect(stderr).toContain(state);
    expect(stderr).toMatch(/earlier replay's stores/);
  });

  it('refuses a state directory holding anything no replay wrote, even with --overwrite', async () => {
    const { dir, args } = inputs();
    const state = join(dir, 'state');
    mkdirSync(state);
    writeFileSync(join(state, 'keep.txt'), 'mine');
    for (const extra of [[], ['--overwrite']]) {
      stderr = '';
      expect(await replay(...args, '--out', join(dir, 'out'), '--state-dir', state, ...extra)).toBe(2);
      expect(stderr).toContain('--state-dir');
      expect(stderr).toContain('keep.txt');
    }
    expect(readFileSync(join(state, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('replay --out and --state-dir: missing parents are created (mkdir -p)', () => {
  it('--out a/b/c and --state-dir under it, none of which exist: the replay writes there', async () => {
    const { dir, args } = inputs();
    const out = join(dir, 'a', 'b', 'c');
    const state = join(out, 'x', 'state');
    expect(await replay(...args, '--out', out, '--state-dir', state)).toBe(0);
    expect(summary(out).read).toBe(1184);
    expect(existsSync(join(out, 'replay-manifest.json'))).toBe(true);
    expect(existsSync(join(state, 'replay-manifest.json'))).toBe(true);
  });

  // A child process: a relative --out, from the directory it is run in.
  it('a relative --out tmp/a/b/c whose parents do not exist', async () => {
    const { dir, args } = inputs();
    await promisify(execFile)(process.execPath, [CLI, 'replay', ...args, '--out', join('tmp', 'a', 'b', 'c')], { cwd: dir, timeout: 60_000 });
    expect(summary(join(dir, 'tmp', 'a', 'b', 'c')).read).toBe(1184);
  });
});

describe('replay: paths are checked before anything is written', () => {
  it('a directory given as an input file: exit 2 naming the option', async () => {
    const { dir, args } = inputs();
    mkdirSync(join(dir, 'payments.d'));
    const code = await replay(...args.slice(0, 2), '--payments', join(dir, 'payments.d'), ...args.slice(4), '--out', join(dir, 'out'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--payments: .*payments\.d is a directory/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('--out under a file (as the parent or further up): exit 2 naming --out, nothing created', async () => {
    const { dir, args } = inputs();
    for (const out of [join(dir, 'orders.jsonl', 'out'), join(dir, 'orders.jsonl', 'a', 'b', 'out')]) {
      stderr = '';
      expect(await replay(...args, '--out', out)).toBe(2);
      expect(stderr).toMatch(/--out: .*orders\.jsonl is not a directory/);
      expect(statSync(join(dir, 'orders.jsonl')).isFile()).toBe(true);
    }
    stderr = '';
    expect(await replay(...args, '--out', join(dir, 'out'), '--state-dir', join(dir, 'payments.jsonl', 'state', 'x'))).toBe(2);
    expect(stderr).toMatch(/--state-dir: .*payments\.jsonl is not a directory/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  // A child process: before the check, Node's recursive mkdir looped forever on /proc.
  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('--out and --state-dir on /proc: exit 2 at once, naming the option', async () => {
    const { dir, args } = inputs();
    for (const [option, extra] of [
      ['--out', ['--out', '/proc/invoice-replay-out']],
      ['--out', ['--out', '/proc/invoice-replay-out/a/b']],
      ['--state-dir', ['--out', join(dir, 'out'), '--state-dir', '/proc/invoice-replay-state']],
      ['--state-dir', ['--out', join(dir, 'out'), '--state-dir', '/proc/self/invoice-replay-state/a']],
    ] as const) {
      const run = promisify(execFile)(process.execPath, [CLI, 'replay', ...args, ...extra], { timeout: 10_000, killSignal: 'SIGKILL' });
      const failed = await run.then(() => undefined, (e: { code?: number; stderr?: string; killed?: boolean }) => e);
      expect(failed?.killed).toBeFalsy();
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toContain(option);
      expect(failed?.stderr).toContain('pseudo file system');
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
