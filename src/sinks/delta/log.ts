// The _delta_log on an ObjectStore (a local directory or an S3 prefix): load the latest snapshot
// (newest checkpoint, then the JSON commits after it), catch up with commits made since, and
// create commits put-if-absent.
import { SinkWriteError } from '../core/retry.ts';
import type { ObjectStore } from '../storage/store.ts';
import { applyActions, emptySnapshot, versionName, type Action, type Snapshot } from './actions.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';

/** `engineInfo` of this writer's commits. */
export const ENGINE = 'invoice-stream-delta/0.1';

const COMMIT_RE = /^(\d{20})\.json$/;
const CHECKPOINT_RE = /^(\d{20})\.checkpoint\.parquet$/;

/** Thrown when another writer created the commit file first: retriable (re-read the log, re-plan). */
export class CommitConflict extends SinkWriteError {
  /** The version that was taken. */
  readonly version: number;
  constructor(version: number) {
    super(`delta commit ${version} already exists`, { retriable: true });
    this.name = 'CommitConflict';
    this.version = version;
  }
}

const LOG = '_delta_log/';
const decoder = new TextDecoder();

/** Key of a log entry (`_delta_log/<name>`) in the table's store. */
export function logKey(name: string): string {
  return LOG + name;
}

async function listLog(store: ObjectStore): Promise<string[]> {
  return (await store.list(LOG)).map(k => k.slice(LOG.length));
}

async function readText(store: ObjectStore, name: string): Promise<string | undefined> {
  const bytes = await store.get(logKey(name));
  return bytes === undefined ? undefined : decoder.decode(bytes);
}

/** Parse one commit file (newline-delimited JSON actions). */
export function parseCommit(text: string): Action[] {
  return text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Action);
}

/** Load the latest snapshot: newest complete checkpoint, then every later commit in order. */
export async function loadSnapshot(store: ObjectStore): Promise<Snapshot> {
  const names = await listLog(store);
  const commits = names.map(n => COMMIT_RE.exec(n)).filter(m => m !== null).map(m => Number(m[1])).sort((a, b) => a - b);
  const checkpoints = names.map(n => CHECKPOINT_RE.exec(n)).filter(m => m !== null).map(m => Number(m[1])).sort((a, b) => b - a);
  let snap = emptySnapshot();
  // The listing rather than _last_checkpoint picks the checkpoint: _last_checkpoint is only a hint
  // and may lag; a checkpoint file only appears complete (written to a temp name, then renamed).
  for (const cp of checkpoints) {
    try {
      const bytes = await store.get(logKey(`${versionName(cp)}.checkpoint.parquet`));
      if (bytes === undefined) continue;
      snap = await decodeCheckpoint(bytes, cp);
      break;
    } catch {
      snap = emptySnapshot(); // unreadable checkpoint: fall back to an older one, or full replay
    }
  }
  for (const v of commits) {
    if (v <= snap.version) continue;
    if (v !== snap.version + 1) throw new Error(`delta log of ${store.location}: commit ${snap.version + 1} missing before ${v}`);
    const text = await readText(store, `${versionName(v)}.json`);
    if (text === undefined) throw new Error(`delta log of ${store.location}: commit ${v} listed but missing`);
    applyActions(snap, v, parseCommit(text));
  }
  return snap;
}

/** Apply commits made after `snap.version` (by this or another writer); returns how many. */
export async function catchUp(store: ObjectStore, snap: Snapshot): Promise<number> {
  let n = 0;
  while (true) {
    const v = snap.version + 1;
    const text = await readText(store, `${versionName(v)}.json`);
    if (text === undefined) return n;
    applyActions(snap, v, parseCommit(text));
    n++;
  }
}

/** The actions of commit `version` as read from the log (for callers re-planning after a conflict). */
export async function readCommit(store: ObjectStore, version: number): Promise<Action[]> {
  const text = await readText(store, `${versionName(version)}.json`);
  if (text === undefined) throw new Error(`delta log of ${store.location}: no commit ${version}`);
  return parseCommit(text);
}

/**
 * Create commit `version` put-if-absent (the store's: hard link locally, `If-None-Match: *` on
 * S3), so a reader never sees a half-written commit and of two writers exactly one wins.
 * A taken name whose object is byte for byte this commit is this commit: a put retried after a
 * lost answer (a 5xx, a reset) finds its own first attempt there. The body is unique (commitInfo
 * carries a random txnId), so equal bytes cannot be another writer's.
 */
export async function putCommit(store: ObjectStore, version: number, actions: Action[]): Promise<void> {
  const body = actions.map(a => JSON.stringify(a)).join('\n') + '\n';
  const name = `${versionName(version)}.json`;
  if (await store.putIfAbsent(logKey(name), body)) return;
  if (await readText(store, name) === body) return;
  throw new CommitConflict(version);
}

/** Write `snap` as the checkpoint of its version and point _last_checkpoint at it. */
export async function writeCheckpoint(store: ObjectStore, snap: Snapshot, tombstoneCutoff: number): Promise<void> {
  const { bytes, actions } = encodeCheckpoint(snap, tombstoneCutoff);
  // Whole-object puts: the checkpoint appears complete or not at all.
  await store.put(logKey(`${versionName(snap.version)}.checkpoint.parquet`), bytes);
  const last = JSON.stringify({ version: snap.version, size: actions, sizeInBytes: bytes.length, numOfAddFiles: snap.files.size });
  await store.put(logKey('_last_checkpoint'), last);
}
