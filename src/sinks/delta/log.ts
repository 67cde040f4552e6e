// The _delta_log on a local filesystem: load the latest snapshot (newest checkpoint, then the JSON
// commits after it), catch up with commits made since, and create commits put-if-absent.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SinkWriteError } from '../core/retry.ts';
import { applyActions, emptySnapshot, versionName, type Action, type Snapshot } from './actions.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';

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

/** Path of the table's log directory. */
export function logDir(tableDir: string): string {
  return join(tableDir, '_delta_log');
}

async function listLog(dir: string): Promise<string[]> {
  try {
    return await readdir(logDir(dir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Parse one commit file (newline-delimited JSON actions). */
export function parseCommit(text: string): Action[] {
  return text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Action);
}

/** Load the latest snapshot: newest complete checkpoint, then every later commit in order. */
export async function loadSnapshot(dir: string): Promise<Snapshot> {
  const names = await listLog(dir);
  const commits = names.map(n => COMMIT_RE.exec(n)).filter(m => m !== null).map(m => Number(m[1])).sort((a, b) => a - b);
  const checkpoints = names.map(n => CHECKPOINT_RE.exec(n)).filter(m => m !== null).map(m => Number(m[1])).sort((a, b) => b - a);
  let snap = emptySnapshot();
  // The listing rather than _last_checkpoint picks the checkpoint: _last_checkpoint is only a hint
  // and may lag; a checkpoint file only appears complete (written to a temp name, then renamed).
  for (const cp of checkpoints) {
    try {
      snap = await decodeCheckpoint(await readFile(join(logDir(dir), `${versionName(cp)}.checkpoint.parquet`)), cp);
      break;
    } catch {
      snap = emptySnapshot(); // unreadable checkpoint: fall back to an older one, or full replay
    }
  }
  for (const v of commits) {
    if (v <= snap.version) continue;
    if (v !== snap.version + 1) throw new Error(`delta log of ${dir}: commit ${snap.version + 1} missing before ${v}`);
    applyActions(snap, v, parseCommit(await readFile(join(logDir(dir), `${versionName(v)}.json`), 'utf8')));
  }
  return snap;
}

/** Apply commits made after `snap.version` (by this or another writer); returns how many. */
export async function catchUp(dir: string, snap: Snapshot): Promise<number> {
  let n = 0;
  while (true) {
    const v = snap.version + 1;
    let text: string;
    try {
      text = await readFile(join(logDir(dir), `${versionName(v)}.json`), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return n;
      throw e;
    }
    applyActions(snap, v, parseCommit(text));
    n++;
  }
}

/** The actions of commit `version` as read from the log (for callers re-planning after a conflict). */
export async function readCommit(dir: string, version: number): Promise<Action[]> {
  return parseCommit(await readFile(join(logDir(dir), `${versionName(version)}.json`), 'utf8'));
}

/**
 * Create commit `version` put-if-absent. The content goes to a temp file first and is then
 * hard-linked to the commit name: link() fails with EEXIST when the name is taken (mutual
 * exclusion, like open(O_CREAT|O_EXCL) i.e. `wx`) and, unlike `wx` followed by a write, a reader
 * never sees a half-written commit. Filesystems without hard links fall back to `wx`.
 */
export async function putCommit(dir: string, version: number, actions: Action[]): Promise<void> {
  const log = logDir(dir);
  await mkdir(log, { recursive: true });
  const body = actions.map(a => JSON.stringify(a)).join('\n') + '\n';
  const target = join(log, `${versionName(version)}.json`);
  const tmp = join(log, `.${versionName(version)}.json.${randomUUID()}.tmp`);
  await writeFile(tmp, body, { flag: 'wx' });
  try {
    await link(tmp, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CommitConflict(version);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw e;
    try {
      await writeFile(target, body, { flag: 'wx' });
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') throw new CommitConflict(version);
      throw e2;
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Write `snap` as the checkpoint of its version and point _last_checkpoint at it. */
export async function writeCheckpoint(dir: string, snap: Snapshot, tombstoneCutoff: number): Promise<void> {
  const log = logDir(dir);
  const { bytes, actions } = encodeCheckpoint(snap, tombstoneCutoff);
  const name = `${versionName(snap.version)}.checkpoint.parquet`;
  // Temp name + rename: the checkpoint appears complete or not at all.
  const tmp = join(log, `.${name}.${randomUUID()}.tmp`);
  await writeFile(tmp, bytes);
  await rename(tmp, join(log, name));
  const last = JSON.stringify({ version: snap.version, size: actions, sizeInBytes: bytes.length, numOfAddFiles: snap.files.size });
  const tmpLast = join(log, `._last_checkpoint.${randomUUID()}.tmp`);
  await writeFile(tmpLast, last);
  await rename(tmpLast, join(log, '_last_checkpoint'));
}
