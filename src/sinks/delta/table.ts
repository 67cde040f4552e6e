// DeltaTable: a Delta Lake table kept current by upserts, on local disk or an S3 prefix
// (../storage/): merge-on-read with deletion vectors (reader 3 / writer 7, the default for new
// tables) or copy-on-write (reader 1 / writer 2, tables made before, until upgraded). The log is the
// source of truth: schema, files, deletion vectors, and the txn versions that make replays no-ops.
import { randomUUID } from 'node:crypto';
import { SinkWriteError } from '../core/retry.ts';
import { withoutCredentials } from '../storage/credentials.ts';
import { openStore } from '../storage/open.ts';
import { getExisting, type ObjectStore } from '../storage/store.ts';
import { applyActions, type Action, type Snapshot } from './actions.ts';
import { dedupBatch } from './batch.ts';
import { DeletionVectorCache } from './deletion-vector.ts';
import { KeyIndex } from './key-index.ts';
import { catchUp, CommitConflict, ENGINE, loadSnapshot, putCommit, writeCheckpoint } from './log.ts';
import { mergeBatch, type FileContext, type MergePlan } from './merge.ts';
import { commitOptimize, newRun, optimizeResult, planOptimize, rewriteBin, type OptimizeResult } from './optimize.ts';
import { DEFAULT_OPTIMIZE, type OptimizeOptions } from './optimize-options.ts';
import { decodeDataFile } from './parquet.ts';
import { effectiveCodec, encodeTyped, type FlatCodec } from './flat-parquet.ts';
import { rowsToTyped, sliceTyped, TypedBatchBuilder, type TypedBatch } from './typed.ts';
import { checkProtocol, deletionVectorsEnabled, newTableProtocol } from './protocol.ts';
import { checkSchema, compileSpec, type CompiledSpec } from './schema.ts';
import { SMALL_FILE_ROWS, TARGET_FILE_ROWS } from './stats.ts';
import { commitDeletionVectors } from './upgrade.ts';
import { retentionOf } from './vacuum.ts';
import type { AppendOptions, CompactionOptions, CompactionStats, DeltaRow, DeltaTableOptions, DeltaTableSpec, UpsertOptions, UpsertResult } from './types.ts';

const MAX_ATTEMPTS = 20;
const DEFAULT_COMPACTION_MS = 500;

/**
 * Every error leaving a write, classified for the sinks' retry loop: a commit race (CommitConflict,
 * after MAX_ATTEMPTS re-plans) and storage trouble (a system code: EACCES, ENOSPC, EIO, ...; an
 * object store's StorageError says itself) may pass; anything else is the table rejecting the batch's rows, which no retry changes.
 */
function classified(error: unknown): SinkWriteError {
  if (error instanceof SinkWriteError) return error;
  const retriable = typeof (error as { code?: unknown } | null)?.code === 'string';
  return new SinkWriteError(error instanceof Error ? error.message : String(error), { retriable, cause: error });
}

type TableOpts = Required<Omit<DeltaTableOptions, 'deletionVectors' | 'compaction'>> & Pick<DeltaTableOptions, 'compaction'>;

/** A Delta table opened for upserts. Calls on one instance are serialized. */
export class DeltaTable {
  /** The table's location (a path or `s3://bucket/prefix`), for messages. */
  readonly dir: string;
  /** Where the table's objects live. */
  readonly store: ObjectStore;
  private readonly spec: CompiledSpec;
  private readonly snap: Snapshot;
  private readonly index: KeyIndex;
  private readonly dvs: DeletionVectorCache;
  private readonly opts: TableOpts;
  private queue: Promise<unknown> = Promise.resolve();
  /** Milliseconds per row a rewrite took lately (what decides whether a bin fits a time bound). */
  private rewriteMsPerRow: number | undefined;
  private readonly compaction: CompactionStats = { runs: 0, commits: 0, conflicts: 0, errors: 0, filesRemoved: 0, filesAdded: 0, rowsWritten: 0 };

  private constructor(store: ObjectStore, spec: CompiledSpec, snap: Snapshot, opts: TableOpts) {
    this.store = store;
    this.dir = store.location;
    this.spec = spec;
    this.snap = snap;
    this.opts = opts;
    this.dvs = new DeletionVectorCache(store);
    this.index = new KeyIndex(store, spec, this.dvs);
  }

  /**
   * Open the table at `location` (a path, `file://…`, `s3://bucket/prefix` with the SDK's default
   * configuration, or a store), creating it (protocol + metaData at version 0) when missing;
   * checks the schema otherwise.
   */
  static async open(location: string | ObjectStore, spec: DeltaTableSpec, options: DeltaTableOptions = {}): Promise<DeltaTable> {
    const store = typeof location === 'string' ? openStore(location) : location;
    const dir = store.location;
    const compiled = compileSpec(spec);
    const opts: TableOpts = {
      checkpointInterval: options.checkpointInterval ?? 10,
      targetFileRows: options.targetFileRows ?? TARGET_FILE_ROWS,
      smallFileRows: options.smallFileRows ?? SMALL_FILE_ROWS,
      compaction: options.compaction,
      now: options.now ?? Date.now,
      warn: options.warn ?? ((message: string) => process.stderr.write(`warn: ${message}\n`)),
    };
    let snap = await loadSnapshot(store);
    if (snap.version < 0) {
      const now = opts.now();
      const { protocol, configuration } = newTableProtocol(options.deletionVectors ?? true);
      const actions: Action[] = [
        { commitInfo: { timestamp: now, operation: 'CREATE TABLE', operationParameters: { isManaged: 'false', description: null, partitionBy: '[]', properties: JSON.stringify(configuration) }, isBlindAppend: true, engineInfo: ENGINE, txnId: randomUUID() } },
        { protocol },
        { metaData: { id: randomUUID(), name: spec.name, description: null, format: { provider: 'parquet', options: {} }, schemaString: compiled.schemaString, partitionColumns: [], configuration, createdTime: now } },
      ];
      try {
        await putCommit(store, 0, actions);
      } catch (e) {
        if (!(e instanceof CommitConflict)) throw e; // someone else created it: use theirs
      }
      snap = await loadSnapshot(store);
    }
    if (!snap.metaData || !snap.protocol) throw new Error(`${dir}: delta log has no metaData or protocol`);
    checkProtocol(dir, snap.protocol, snap.metaData);
    if (snap.metaData.partitionColumns.length > 0) throw new Error(`${dir}: partitioned tables are not supported`);
    checkSchema(spec, snap.metaData.schemaString);
    return new DeltaTable(store, compiled, snap, opts);
  }

  /** The table version this writer has seen last. */
  get version(): number {
    return this.snap.version;
  }

  /** True when updates write deletion vectors (merge-on-read); false: copy-on-write. */
  get deletionVectors(): boolean {
    return deletionVectorsEnabled(this.snap);
  }

  /** Number of active data files. */
  get fileCount(): number {
    return this.snap.files.size;
  }

  /** Key-index counters (files and keys read to build it). */
  get indexMetrics(): { filesLoaded: number; keysLoaded: number; keys: number } {
    return { ...this.index.metrics, keys: this.index.size };
  }

  /** The last batch version committed for `appId` (from the log's txn actions). */
  txnVersion(appId: string): number | undefined {
    return this.snap.txns.get(appId)?.version;
  }

  /** What the writer's own compaction (`DeltaTableOptions.compaction`) did so far. */
  get compactionStats(): CompactionStats {
    return { ...this.compaction };
  }

  /**
   * Upsert a batch as one commit: one row per key, never back to an older version. Rejects with a
   * classified SinkWriteError. With `compaction` set, a batch that committed is followed by a
   * bounded compaction run, after this call resolves and before the next one starts.
   */
  upsert(rows: DeltaRow[], opts: UpsertOptions = {}): Promise<UpsertResult> {
    const run = this.queue.then(() => this.upsertNow(rows, opts)).catch((error: unknown) => { throw classified(error); });
    this.queue = run.catch(() => undefined);
    this.compactAfter(run);
    return run;
  }

  /**
   * OPTIMIZE now, as one commit: files past the deleted fraction and small files rewritten
   * (`dataChange: false`), the key index moved to the new files. `maxMillis` bounds the run (at
   * least one bin is rewritten); options default to the table's `compaction` settings.
   */
  compact(options: Partial<Omit<OptimizeOptions, 'targetFileRows'>> & { maxMillis?: number } = {}): Promise<OptimizeResult> {
    const c = this.opts.compaction ?? {};
    const opts: OptimizeOptions = {
      deletedFraction: options.deletedFraction ?? c.deletedFraction ?? DEFAULT_OPTIMIZE.deletedFraction,
      minFileRows: options.minFileRows ?? c.minFileRows ?? DEFAULT_OPTIMIZE.minFileRows,
      targetFileRows: this.opts.targetFileRows,
    };
    const run = this.queue.then(() => this.compactNow(opts, options.maxMillis)).catch((error: unknown) => { throw classified(error); });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A builder of typed rows for `append` (cells validated as they are pushed). */
  batchBuilder(capacity?: number): TypedBatchBuilder {
    return new TypedBatchBuilder(this.spec, capacity);
  }

  /**
   * Blind append as one commit: the rows become new files, never merged with the table's rows.
   * For rows whose keys the table cannot hold yet (a table a replay creates, whose rows are each
   * written once): the caller guarantees it, nothing checks it. The txn version guard holds as for
   * `upsert`. Rows are validated like `upsert`'s (a bad cell throws before any write).
   */
  append(rows: DeltaRow[] | TypedBatch, opts: AppendOptions = {}): Promise<UpsertResult> {
    const run = this.queue.then(() => this.appendNow(Array.isArray(rows) ? rowsToTyped(rows, this.spec) : rows, opts))
      .catch((error: unknown) => { throw classified(error); });
    this.queue = run.catch(() => undefined);
    this.compactAfter(run);
    return run;
  }

  /** Queue the bounded compaction run after a write that committed (when `compaction` is set). */
  private compactAfter(write: Promise<UpsertResult>): void {
    const c: CompactionOptions | undefined = this.opts.compaction;
    if (!c) return;
    this.queue = this.queue.then(async () => {
      const r = await write.catch(() => undefined);
      if (r?.version === null || r === undefined) return;
      this.compaction.runs++;
      try {
        const done = await this.compactNow({
          deletedFraction: c.deletedFraction ?? DEFAULT_OPTIMIZE.deletedFraction,
          minFileRows: c.minFileRows ?? DEFAULT_OPTIMIZE.minFileRows,
          targetFileRows: this.opts.targetFileRows,
        }, c.maxMillisPerBatch ?? DEFAULT_COMPACTION_MS);
        if (done.version !== null) this.compaction.commits++;
        if (done.conflict) this.compaction.conflicts++;
        this.compaction.filesRemoved += done.filesRemoved;
        this.compaction.filesAdded += done.filesAdded;
        this.compaction.rowsWritten += done.rowsWritten;
      } catch (e) {
        // Compaction only saves read time: a failure must not fail the sink; the next run retries.
        this.compaction.errors++;
        this.compaction.lastError = withoutCredentials(e instanceof Error ? e.message : String(e));
        this.opts.warn(`delta table ${this.spec.spec.name} at ${this.store.location}: compaction run failed (the next batch's run tries again): ${this.compaction.lastError}`);
      }
    });
  }

  /**
   * Plan and rewrite bins until `maxMillis` would be passed (judged by the measured cost per row;
   * the first bin always runs, so every run makes progress), then commit them as one OPTIMIZE.
   */
  private async compactNow(opts: OptimizeOptions, maxMillis: number | undefined): Promise<OptimizeResult> {
    await this.refresh();
    const bins = planOptimize(this.snap.files.values(), opts);
    const run = newRun();
    if (bins.length === 0) return optimizeResult(run, null, 0, 0);
    const start = performance.now();
    const now = this.opts.now();
    const ctx: FileContext = { store: this.store, spec: this.spec, dvs: this.dvs, targetFileRows: this.opts.targetFileRows, now };
    let rewritten = 0;
    for (const bin of bins) {
      const rows = bin.files.reduce((n, f) => n + f.rows, 0); // rows read: what a rewrite costs
      if (maxMillis !== undefined && rewritten > 0 && performance.now() - start + (this.rewriteMsPerRow ?? 0) * rows > maxMillis) break;
      const t0 = performance.now();
      await rewriteBin(ctx, bin, run, true);
      const perRow = (performance.now() - t0) / Math.max(rows, 1);
      this.rewriteMsPerRow = this.rewriteMsPerRow === undefined ? perRow : 0.7 * this.rewriteMsPerRow + 0.3 * perRow;
      rewritten++;
    }
    const { version, caughtUp } = await commitOptimize(this.store, this.snap, run, now);
    if (caughtUp) {
      this.index.reset();
      this.dvs.clear();
    }
    if (version !== null) {
      // The rows of the removed files now live in the new files, at new positions.
      for (const r of run.removes) {
        this.index.untrack(r.path);
        this.dvs.forget(r.deletionVector);
      }
      for (const w of run.written) this.index.track(w.path, w.keys, w.versions);
      await this.maybeCheckpoint();
    }
    return optimizeResult(run, version, bins.length, rewritten);
  }

  /** All current rows (every active file, read in full). */
  readAll(): Promise<DeltaRow[]> {
    const run = this.queue.then(async () => {
      await this.refresh();
      const out: DeltaRow[] = [];
      for (const add of this.snap.files.values()) {
        const rows = await decodeDataFile(await getExisting(this.store, add.path), this.spec);
        const deleted = new Set(await this.dvs.rows(add.deletionVector));
        out.push(...(deleted.size === 0 ? rows : rows.filter((_, i) => !deleted.has(i))));
      }
      return out;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Turn deletion vectors on (reader 3 / writer 7, `delta.enableDeletionVectors`) in one commit:
   * updates are merge-on-read from then on. Returns the version committed, or null when they were
   * on already. Readers older than the protocol can no longer read the table afterwards.
   */
  enableDeletionVectors(): Promise<number | null> {
    const run = this.queue.then(() => this.enableNow()).catch((error: unknown) => { throw classified(error); });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async enableNow(): Promise<number | null> {
    await this.refresh();
    const { version, caughtUp } = await commitDeletionVectors(this.store, this.snap, this.opts.now());
    if (caughtUp) {
      this.index.reset();
      this.dvs.clear();
    }
    if (version !== null) await this.maybeCheckpoint();
    return version;
  }

  /** Catch up with commits made by other writers; their file changes invalidate the key index. */
  private async refresh(): Promise<void> {
    if (await catchUp(this.store, this.snap) > 0) {
      this.index.reset();
      this.dvs.clear();
    }
  }

  private async upsertNow(rows: DeltaRow[], opts: UpsertOptions): Promise<UpsertResult> {
    const { rows: batch, dropped } = dedupBatch(rows, this.spec); // validates before any write
    const txn = opts.txn;
    for (let attempt = 1; ; attempt++) {
      await this.refresh();
      const result: UpsertResult = { version: null, inserted: 0, updated: 0, skipped: dropped, txnSkipped: false, filesRemoved: 0, filesAdded: 0, deletionVectors: 0, rowsWritten: 0 };
      const seen = txn ? this.txnVersion(txn.appId) : undefined;
      if (txn && seen !== undefined && seen >= txn.version) {
        return { ...result, skipped: rows.length, txnSkipped: true };
      }
      const now = this.opts.now();
      const plan = await mergeBatch({
        store: this.store, spec: this.spec, snapshot: this.snap, index: this.index, dvs: this.dvs, deletionVectors: deletionVectorsEnabled(this.snap),
        targetFileRows: this.opts.targetFileRows, smallFileRows: this.opts.smallFileRows, now,
      }, batch);
      Object.assign(result, {
        inserted: plan.inserted, updated: plan.updated, skipped: dropped + plan.skipped,
        filesRemoved: plan.removes.length - plan.marked.length, filesAdded: plan.written.length, deletionVectors: plan.marked.length, rowsWritten: plan.rowsWritten,
      });
      if (plan.adds.length === 0 && plan.removes.length === 0 && !txn) return result;
      const version = this.snap.version + 1;
      const actions = this.commitActions(plan, now, txn);
      try {
        await putCommit(this.store, version, actions);
      } catch (e) {
        // Only a lost race says for sure that the commit does not name these files (data files and
        // the deletion vector file). After any other error (a store that did not answer) the commit
        // may have landed: the files stay, and an unreferenced one is only an orphan, which no
        // reader sees.
        if (e instanceof CommitConflict) await this.dropFiles([...plan.written, ...(plan.dvFile ? [{ path: plan.dvFile }] : [])]);
        if (e instanceof CommitConflict && attempt < MAX_ATTEMPTS) continue; // re-read the log, re-plan
        throw e;
      }
      applyActions(this.snap, version, actions);
      const kept = new Set(plan.marked.map(m => m.path));
      for (const r of plan.removes) {
        if (kept.has(r.path)) continue;
        this.index.untrack(r.path);
        this.dvs.forget(r.deletionVector);
      }
      for (const m of plan.marked) {
        this.dvs.forget(m.old);
        this.dvs.set(m.dv, m.rows);
      }
      // After the marks: the keys of the rows they deleted now live in the new files.
      for (const w of plan.written) this.index.track(w.path, w.keys, w.versions);
      await this.maybeCheckpoint();
      return { ...result, version };
    }
  }

  private async appendNow(batch: TypedBatch, opts: AppendOptions): Promise<UpsertResult> {
    const txn = opts.txn;
    const codec: FlatCodec = effectiveCodec(opts.codec ?? 'SNAPPY');
    let written: { path: string; size: number; stats: string; rows: number }[] | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        await this.refresh();
        const result: UpsertResult = { version: null, inserted: 0, updated: 0, skipped: 0, txnSkipped: false, filesRemoved: 0, filesAdded: 0, deletionVectors: 0, rowsWritten: 0 };
        const seen = txn ? this.txnVersion(txn.appId) : undefined;
        if (txn && seen !== undefined && seen >= txn.version) {
          await this.dropFiles(written);
          written = undefined;
          return { ...result, skipped: batch.length, txnSkipped: true };
        }
        written ??= await this.writeTyped(batch, codec);
        if (written.length === 0 && !txn) return result;
        const now = this.opts.now();
        const version = this.snap.version + 1;
        const actions: Action[] = [{
          commitInfo: {
            timestamp: now, operation: 'WRITE', operationParameters: { mode: 'Append', partitionBy: '[]' },
            readVersion: this.snap.version, isolationLevel: 'Serializable', isBlindAppend: true,
            operationMetrics: { numFiles: String(written.length), numOutputRows: String(batch.length), numOutputBytes: String(written.reduce((n, w) => n + w.size, 0)) },
            engineInfo: ENGINE, txnId: randomUUID(),
          },
        }];
        if (txn) actions.push({ txn: { appId: txn.appId, version: txn.version, lastUpdated: now } });
        for (const w of written) actions.push({ add: { path: w.path, partitionValues: {}, size: w.size, modificationTime: now, dataChange: true, stats: w.stats } });
        try {
          await putCommit(this.store, version, actions);
        } catch (e) {
          if (e instanceof CommitConflict && attempt < MAX_ATTEMPTS) continue; // re-read the log; the files stay valid
          if (!(e instanceof CommitConflict)) written = undefined; // the commit may have landed: keep its files (see upsertNow)
          throw e;
        }
        written = undefined; // committed: the files are the table's now
        applyActions(this.snap, version, actions);
        await this.maybeCheckpoint();
        return { ...result, version, inserted: batch.length, filesAdded: actions.length - (txn ? 2 : 1), rowsWritten: batch.length };
      }
    } finally {
      await this.dropFiles(written);
    }
  }

  /** Writes a typed batch as files of at most targetFileRows rows (equal-sized, so no runt file). */
  private async writeTyped(batch: TypedBatch, codec: FlatCodec): Promise<{ path: string; size: number; stats: string; rows: number }[]> {
    const out: { path: string; size: number; stats: string; rows: number }[] = [];
    if (batch.length === 0) return out;
    const chunks = Math.ceil(batch.length / this.opts.targetFileRows);
    const per = Math.ceil(batch.length / chunks);
    try {
      for (let i = 0; i < batch.length; i += per) {
        const part = chunks === 1 ? batch : sliceTyped(batch, i, i + per);
        const { bytes, stats } = encodeTyped(part, this.spec, { codec });
        const path = `part-00000-${randomUUID()}-c000${codec === 'UNCOMPRESSED' ? '' : `.${codec.toLowerCase()}`}.parquet`;
        await this.store.put(path, bytes);
        out.push({ path, size: bytes.length, stats, rows: part.length });
      }
    } catch (e) {
      await this.dropFiles(out);
      throw e;
    }
    return out;
  }

  private async dropFiles(files: { path: string }[] | undefined): Promise<void> {
    if (files) await Promise.all(files.map(w => this.store.delete(w.path).catch(() => undefined)));
  }

  private commitActions(plan: MergePlan, now: number, txn: UpsertOptions['txn']): Action[] {
    const merge = plan.removes.length > 0;
    const actions: Action[] = [{
      commitInfo: {
        timestamp: now,
        operation: merge ? 'MERGE' : 'WRITE',
        operationParameters: merge
          ? { predicate: `key(${this.spec.spec.keyColumns.join(', ')}) matched${this.spec.spec.versionColumn ? ` and source.${this.spec.spec.versionColumn} > target.${this.spec.spec.versionColumn}` : ''}` }
          : { mode: 'Append', partitionBy: '[]' },
        readVersion: this.snap.version,
        isolationLevel: 'Serializable',
        isBlindAppend: false,
        operationMetrics: {
          numTargetRowsInserted: String(plan.inserted), numTargetRowsUpdated: String(plan.updated),
          numTargetFilesRemoved: String(plan.removes.length), numTargetFilesAdded: String(plan.adds.length),
          numTargetDeletionVectorsAdded: String(plan.marked.length),
          numOutputRows: String(plan.rowsWritten),
        },
        engineInfo: ENGINE,
        txnId: randomUUID(),
      },
    }];
    if (txn) actions.push({ txn: { appId: txn.appId, version: txn.version, lastUpdated: now } });
    for (const remove of plan.removes) actions.push({ remove });
    for (const add of plan.adds) actions.push({ add });
    return actions;
  }

  private async maybeCheckpoint(): Promise<void> {
    const v = this.snap.version;
    if (this.opts.checkpointInterval <= 0 || v === 0 || v % this.opts.checkpointInterval !== 0) return;
    try {
      await writeCheckpoint(this.store, this.snap, this.opts.now() - retentionOf(this.snap.metaData));
    } catch {
      // A missing checkpoint costs only log replay time on the next open; the commit stands.
    }
  }
}
