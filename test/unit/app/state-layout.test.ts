import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adoptThreadStateDirs } from '../../../src/app/threads/state-layout.ts';

describe('state dir: per-thread task directories move to the shared layout', () => {
  const root = mkdtempSync(join(tmpdir(), 'layout-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const task = (path: string, checkpoint: boolean, marker: string): void => {
    mkdirSync(join(root, path), { recursive: true });
    writeFileSync(join(root, path, 'marker'), marker);
    if (checkpoint) writeFileSync(join(root, path, '.checkpoint'), '{"app-s-changelog:0":7}');
  };
  const marker = (path: string): string => readFileSync(join(root, path, 'marker'), 'utf8');

  it('moves, keeps the copy with a checkpoint, and leaves other applications alone', async () => {
    task('thread-0/app/0_0', true, 'old 0_0');
    task('thread-1/app/0_1', false, 'old 0_1');
    task('app/0_1', true, 'shared 0_1');
    task('thread-1/app/1_0', true, 'old 1_0');
    task('app/1_0', false, 'shared 1_0');
    task('thread-0/other-app/0_0', true, 'other');

    const result = await adoptThreadStateDirs(root, 'app');

    expect(result.moved.sort()).toEqual(['thread-0/0_0', 'thread-1/1_0']);
    expect(result.dropped).toEqual(['thread-1/0_1']);
    expect(marker('app/0_0')).toBe('old 0_0');
    expect(marker('app/0_1')).toBe('shared 0_1');
    expect(marker('app/1_0')).toBe('old 1_0');
    expect(existsSync(join(root, 'app/1_0/.checkpoint'))).toBe(true);
    expect(marker('thread-0/other-app/0_0')).toBe('other');
    expect(existsSync(join(root, 'thread-0/app'))).toBe(false);
    expect(existsSync(join(root, 'thread-1'))).toBe(false);
    // Nothing left to move the second time.
    expect(await adoptThreadStateDirs(root, 'app')).toEqual({ moved: [], dropped: [] });
  });
});
