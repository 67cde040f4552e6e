// The replay's paths, checked before it writes anything. Inputs are readable files or pipes. --out
// and --state-dir must be new (created with their missing parents, like mkdir -p), empty, or hold
// only what an earlier replay wrote, as the manifest it left there lists; a replay replaces only its
// own paths and never an input. Why: src/app/README.md, "The replay and your files".
import { constants, type Stats } from 'node:fs';
import { access, lstat, mkdir, readdir, readFile, realpath, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** The file a replay writes in each directory it owns, listing what it wrote there. */
export const MANIFEST = 'replay-manifest.json';

/** What a replay writes in --out, beside its manifest. */
export const OUTPUT_PATHS: readonly string[] = ['delta', 'tables', 'invoice-events.avro', 'dlq.jsonl', 'summary.json'];

const WRITER = 'invoice-stream replay';

/** A path the replay will not use: a bad argument, or the user's files in the way (the CLI exits 2). */
export class ReplayPathError extends Error {
  override name = 'ReplayPathError';
}

/** replay-manifest.json: `files` (path → bytes) once `complete`; while a replay runs, all of its paths are its own. */
interface Manifest {
  written_by: typeof WRITER;
  complete: boolean;
  /** UTC, when the replay claimed (incomplete) or finished (complete) the directory. */
  at: string;
  files: Record<string, number>;
}

/** The paths of one replay. */
export interface ReplayPathOptions {
  inputs: readonly { option: string; path: string }[];
  out: string;
  stateDir?: string;
  /** Write into an --out that holds files no replay wrote, replacing what is at the replay's paths there. */
  overwrite?: boolean;
}

/** A claimed replay: what it removed, and `finish` to record what it wrote. */
export interface ReplayClaim {
  /** One line for each directory where the claim removed something, for the user. */
  notices: string[];
  /** Writes the complete manifests; call after the outputs and stores are closed. */
  finish(): Promise<void>;
}

// Linux statfs magic numbers of file systems that hold no files (a recursive mkdir on /proc loops forever).
const PSEUDO_FS = new Map<number, string>([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'], [0x74726163, 'tracefs'], [0x73636673, 'securityfs'], [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'], [0x6165676c, 'pstore'], [0xde5e81e4, 'efivarfs'],
]);

const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'error';
const fileId = (s: Stats): string => `${s.dev}:${s.ino}`;

// Not there, or not reachable (EACCES: a directory above it cannot be searched; the nearest
// existing ancestor is then that directory, and its check says so).
const absent = (err: unknown): boolean => ['ENOENT', 'ENOTDIR', 'EACCES'].includes(code(err));

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (absent(err)) return undefined;
    throw err;
  }
}

/** Each input is a readable regular file or pipe; returns their file ids (device:inode) → `--option path`. */
async function checkInputs(inputs: ReplayPathOptions['inputs']): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const { option, path } of inputs) {
    let s: Stats;
    try {
      s = await stat(path);
      await access(path, constants.R_OK);
    } catch (err) {
      throw new ReplayPathError(`--${option}: cannot read ${path} (${code(err) === 'ENOENT' ? 'no such file' : code(err)})`);
    }
    if (s.isDirectory()) throw new ReplayPathError(`--${option}: ${path} is a directory, not a JSONL file`);
    if (!s.isFile() && !s.isFIFO()) throw new ReplayPathError(`--${option}: ${path} is not a regular file or a pipe`);
    ids.set(fileId(s), `--${option} ${path}`);
  }
  return ids;
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
    if (m.written_by !== WRITER || typeof m.complete !== 'boolean' || typeof m.files !== 'object' || m.files === null) return undefined;
    return m as Manifest;
  } catch {
    return undefined;
  }
}

/** Every file under `dir/name` (symlinks not followed): path relative to `dir` → its stats. */
async function walk(dir: string, name: string, into: Map<string, Stats> = new Map()): Promise<Map<string, Stats>> {
  const path = join(dir, name);
  const s = await lstat(path);
  if (!s.isDirectory()) {
    into.set(name.split(sep).join('/'), s);
    return into;
  }
  for (const entry of await readdir(path)) await walk(dir, join(name, entry), into);
  return into;
}

/**
 * Refuses a directory on a pseudo file system, or one this process cannot write in (`shown`: as the
 * user gave it; `creating`: the new path the replay would create in it, if that is why it is checked).
 */
async function checkWritable(option: string, dir: string, shown: string, creating?: string): Promise<void> {
  const prefix = creating === undefined ? `--${option}: ` : `--${option}: cannot create ${creating}: `;
  if (process.platform === 'linux') {
    const fs = PSEUDO_FS.get((await statfs(dir)).type);
    if (fs) throw new ReplayPathError(`${prefix}${shown} is on ${fs}, a pseudo file system that holds no files`);
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new ReplayPathError(`${prefix}cannot write in ${shown} (${code(err)})`);
  }
}

/**
 * For a new `dir` (resolved through symlinks as far as it exists): the directories to create, from
 * the top down (mkdir -p). The nearest existing ancestor must be a directory this process can write
 * in, not on a pseudo file system (Node's recursive mkdir loops forever on /proc). `given`: the path
 * resolved as the user gave it, for messages; its last components are `dir`'s missing ones.
 */
async function planCreate(option: string, path: string, dir: string, given: string): Promise<string[]> {
  const create: string[] = [];
  let at = dir;
  let shown = given;
  for (;;) {
    let s: Stats | undefined;
    try {
      s = await lstat(at);
    } catch (err) {
      if (!absent(err)) throw new ReplayPathError(`--${option}: cannot create ${path}: cannot look at ${shown} (${code(err)})`);
    }
    if (s) {
      // Symlinks are resolved in `dir` as far as they lead somewhere: this one leads nowhere.
      if (!s.isDirectory()) throw new ReplayPathError(`--${option}: cannot create ${path}: ${shown} is ${s.isSymbolicLink() ? 'a symlink to nothing' : 'not a directory'}`);
      await checkWritable(option, at, shown, path);
      return create;
    }
    create.unshift(at);
    const parent = dirname(at);
    if (parent === at) throw new ReplayPathError(`--${option}: cannot create ${path}: no part of it exists`);
    at = parent;
    shown = dirname(shown);
  }
}

/** What a replay found in one of its directories, before it changes anything. */
interface DirPlan {
  option: string;
  /** Resolved through symlinks as far as it exists. */
  dir: string;
  exists: boolean;
  /** When new: the directories to create, its missing parents first, then itself. */
  create: string[];
  /** Top-level entries the replay will remove (its own, or any of its output paths with --overwrite). */
  remove: string[];
  /** Files no replay wrote among them (with --overwrite). */
  displaced: string[];
  owns: (name: string) => boolean;
}

function listed(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

/** The path resolved through symlinks as far as it exists (the rest as given). */
async function realish(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(await realish(parent), basename(path));
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Looks at `path` for `--option`: its nearest existing ancestor (if it is new), what it holds,
 * whether a manifest says a replay wrote that, and whether an input sits where the replay would
 * write. Changes nothing.
 */
async function inspect(option: string, path: string, owns: (name: string) => boolean, inputs: Map<string, string>,
  o: { overwrite: boolean; beside?: string }): Promise<DirPlan> {
  const dir = await realish(resolve(path));
  const s = await statOrUndefined(dir);
  if (!s) {
    const create = await planCreate(option, path, dir, resolve(path));
    return { option, dir, exists: false, create, remove: [], displaced: [], owns };
  }
  if (!s.isDirectory()) throw new ReplayPathError(`--${option}: ${path} is not a directory`);
  await checkWritable(option, dir, path);
  const manifest = await readManifest(dir);
  const foreign: string[] = [];
  const remove: string[] = [];
  const displaced: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    // --state-dir inside --out is checked on its own.
    if (join(dir, name) === o.beside) continue;
    if (name === MANIFEST) {
      const input = inputs.get(fileId(await lstat(join(dir, name))));
      if (input !== undefined) throw new ReplayPathError(`${input}: is at ${MANIFEST}, which the replay writes in --${option} ${path}`);
      if (!manifest) displaced.push(name);
      continue;
    }
    // Beside the outputs, or in a state directory no replay claimed (refused whole, before a walk
    // that could be long: a home directory).
    if (!owns(name) || (!manifest && option === 'state-dir')) {
      foreign.push(name);
      continue;
    }
    for (const [file, st] of await walk(dir, name)) {
      const input = inputs.get(fileId(st));
      if (input !== undefined) throw new ReplayPathError(`${input}: is at ${file}, where the replay writes in --${option} ${path}; it would be replaced before it is read`);
      const own = manifest !== undefined && (!manifest.complete || manifest.files[file] === st.size);
      if (!own) displaced.push(file);
    }
    remove.push(name);
  }
  foreign.push(...displaced);
  if (foreign.length > 0 && option === 'state-dir') {
    throw new ReplayPathError(`--state-dir: ${path} holds files no replay wrote (${listed(foreign)}); a replay starts from empty stores and clears its state directory, so give a new or empty one`);
  }
  if (foreign.length > 0 && !o.overwrite) {
    throw new ReplayPathError(`--${option}: ${path} holds files the replay did not write (${listed(foreign)}); give a new or empty directory, or --overwrite to replace what is at the replay's paths there (${[...OUTPUT_PATHS, MANIFEST].join(', ')}) and keep the rest`);
  }
  return { option, dir, exists: true, create: [], remove, displaced, owns };
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
}

/** Creates the directory one level at a time (not Node's recursive mkdir); a parent may exist by now (the other claim's). */
async function create(dirs: string[]): Promise<void> {
  for (const [i, dir] of dirs.entries()) {
    try {
      await mkdir(dir);
    } catch (err) {
      if (code(err) !== 'EEXIST' || i === dirs.length - 1 || !(await stat(dir)).isDirectory()) throw err;
    }
  }
}

/** Removes the replay's earlier paths (or creates the directory and its parents) and marks it as a replay's, incomplete. */
async function take(plan: DirPlan): Promise<void> {
  try {
    if (plan.exists) {
      for (const name of [...plan.remove, MANIFEST]) await rm(join(plan.dir, name), { recursive: true, force: true });
    } else {
      await create(plan.create);
    }
    await writeManifest(plan.dir, { written_by: WRITER, complete: false, at: new Date().toISOString(), files: {} });
  } catch (err) {
    if (err instanceof ReplayPathError) throw err;
    throw new ReplayPathError(`--${plan.option}: cannot ${plan.exists ? 'write in' : 'create'} ${plan.dir} (${code(err)})`);
  }
}

/** Lists what the replay wrote in the directory, in a complete manifest. */
async function finish(plan: DirPlan): Promise<void> {
  const files: Record<string, number> = {};
  for (const name of (await readdir(plan.dir)).sort()) {
    if (name === MANIFEST || !plan.owns(name)) continue;
    for (const [file, s] of await walk(plan.dir, name)) files[file] = s.size;
  }
  await writeManifest(plan.dir, { written_by: WRITER, complete: true, at: new Date().toISOString(), files });
}

/**
 * Checks every path of a replay, then claims --out (and --state-dir): removes what an earlier
 * replay wrote there (with `overwrite`, whatever is at the replay's output paths) and creates them
 * with their missing parents if new. Throws ReplayPathError before changing anything when a path will not do.
 */
export async function claimReplayPaths(options: ReplayPathOptions): Promise<ReplayClaim> {
  const inputs = await checkInputs(options.inputs);
  const overwrite = options.overwrite === true;
  const outDir = await realish(resolve(options.out));
  const stateDir = options.stateDir === undefined ? undefined : await realish(resolve(options.stateDir));
  if (stateDir !== undefined) {
    if (stateDir === outDir) throw new ReplayPathError(`--state-dir: must not be the --out directory (${options.out})`);
    // A replay clears its state directory whole: outputs must not live in it, nor stores in the outputs.
    if (inside(outDir, stateDir)) throw new ReplayPathError(`--out: ${options.out} is inside --state-dir ${options.stateDir}, which a replay clears`);
    const under = relative(outDir, stateDir).split(sep)[0] ?? '';
    if (inside(stateDir, outDir) && OUTPUT_PATHS.includes(under)) throw new ReplayPathError(`--state-dir: ${options.stateDir} is inside ${under}, one of the replay's outputs in --out ${options.out}`);
  }
  const out = await inspect('out', options.out, (name) => OUTPUT_PATHS.includes(name), inputs, { overwrite, beside: stateDir });
  const state = options.stateDir === undefined ? undefined
    : await inspect('state-dir', options.stateDir, () => true, inputs, { overwrite });
  await take(out);
  if (state) await take(state);
  const notices: string[] = [];
  if (out.displaced.length > 0) notices.push(`--overwrite: removed ${listed(out.displaced)} from the replay's output paths in ${options.out}`);
  else if (out.remove.length > 0) notices.push(`replaced an earlier replay's outputs in ${options.out}`);
  if (state && state.remove.length > 0) notices.push(`--state-dir ${options.stateDir} held an earlier replay's stores; removed them (a replay starts from empty stores)`);
  return {
    notices,
    finish: async () => {
      await finish(out);
      if (state) await finish(state);
    },
  };
}
