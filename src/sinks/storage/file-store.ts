// A local directory as an ObjectStore: whole-object puts by temp file + rename, put-if-absent by
// temp file + hard link (link() fails with EEXIST when the name is taken, and no reader ever sees
// a half-written object). Errors keep their system codes (EACCES, ENOSPC, ...).
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectInfo, ObjectStore } from './store.ts';

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

/** The objects of a local directory; keys are paths below it. */
export class FileStore implements ObjectStore {
  readonly location: string;

  constructor(dir: string) {
    this.location = resolve(dir);
  }

  /** The file that holds `key`. */
  path(key: string): string {
    return join(this.location, ...key.split('/').filter(s => s !== ''));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    // The directory part of the prefix is read recursively; the rest filters names.
    const cut = prefix.lastIndexOf('/');
    const dir = this.path(cut < 0 ? '' : prefix.slice(0, cut));
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (e) {
      if (code(e) === 'ENOENT') return [];
      throw e;
    }
    return entries.filter(d => d.isFile())
      .map(d => relative(this.location, join(d.parentPath, d.name)).split(sep).join('/'))
      .filter(k => k.startsWith(prefix));
  }

  async listInfo(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for (const key of await this.list(prefix)) {
      try {
        out.push({ key, lastModified: (await stat(this.path(key))).mtimeMs });
      } catch (e) {
        if (code(e) !== 'ENOENT') throw e; // deleted since the listing: not there to age
      }
    }
    return out;
  }

  async put(key: string, bytes: Uint8Array | string): Promise<void> {
    const target = this.path(key);
    const tmp = await this.temp(target, bytes);
    try {
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }

  async putIfAbsent(key: string, bytes: Uint8Array | string): Promise<boolean> {
    const target = this.path(key);
    const tmp = await this.temp(target, bytes);
    try {
      await link(tmp, target);
      return true;
    } catch (e) {
      if (code(e) === 'EEXIST') return false;
      if (code(e) !== 'EPERM' && code(e) !== 'ENOTSUP' && code(e) !== 'EXDEV') throw e;
      // No hard links on this filesystem: exclusive create (a reader may see it half-written).
      try {
        await writeFile(target, bytes, { flag: 'wx' });
        return true;
      } catch (e2) {
        if (code(e2) === 'EEXIST') return false;
        throw e2;
      }
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.path(key));
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }

  child(key: string): FileStore {
    return new FileStore(this.path(key));
  }

  /** Writes `bytes` to a new temp file beside `target` (creating the directory), returns its path. */
  private async temp(target: string, bytes: Uint8Array | string): Promise<string> {
    const tmp = join(dirname(target), `.${target.slice(dirname(target).length + 1)}.${randomUUID()}.tmp`);
    try {
      await writeFile(tmp, bytes, { flag: 'wx' });
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(tmp, bytes, { flag: 'wx' });
    }
    return tmp;
  }
}
