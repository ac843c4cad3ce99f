import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carryOverForeignEntries, swapModuleDir } from './module-tree-swap.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgk-swap-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [p, t] of Object.entries(files)) {
    await mkdir(join(root, p, '..'), { recursive: true });
    await writeFile(join(root, p), t);
  }
}

describe('module tree swap', () => {
  it('replaces the live tree, keeping out-of-tree modules and dropping the old kernel/ and indexes', async () => {
    const live = join(dir, 'lib/modules/6.1.7');
    const staged = join(dir, 'stage/lib/modules/6.1.7');
    await tree(live, { 'kernel/old.ko': 'old', 'modules.dep': 'old', 'extra/zfs.ko': 'zfs', 'updates/dkms/nv.ko': 'nv' });
    await tree(staged, { 'kernel/new.ko.zst': 'new', 'modules.dep': 'new' });

    expect((await carryOverForeignEntries(live, staged)).sort()).toEqual(['extra', 'updates']);
    // The live tree is untouched until the swap.
    expect(await readFile(join(live, 'extra/zfs.ko'), 'utf8')).toBe('zfs');

    await swapModuleDir(staged, live);
    expect((await readdir(live)).sort()).toEqual(['extra', 'kernel', 'modules.dep', 'updates']);
    expect(await readdir(join(live, 'kernel'))).toEqual(['new.ko.zst']);
    expect(await readFile(join(live, 'modules.dep'), 'utf8')).toBe('new');
    expect(await readFile(join(live, 'updates/dkms/nv.ko'), 'utf8')).toBe('nv');
    expect((await readdir(join(dir, 'lib/modules'))).sort()).toEqual(['6.1.7']);
  });

  it('installs into a place that had no tree', async () => {
    const staged = join(dir, 'stage2/6.2');
    await tree(staged, { 'kernel/a.ko': 'a' });
    expect(await carryOverForeignEntries(join(dir, 'none/6.2'), staged)).toEqual([]);
    await swapModuleDir(staged, join(dir, 'fresh/6.2'));
    expect(await readFile(join(dir, 'fresh/6.2/kernel/a.ko'), 'utf8')).toBe('a');
  });

  it('keeps the live tree when the new one cannot be moved in', async () => {
    const live = join(dir, 'keep/6.3');
    await tree(live, { 'kernel/x.ko': 'x' });
    await expect(swapModuleDir(join(dir, 'missing-stage'), live)).rejects.toThrow();
    expect(await readFile(join(live, 'kernel/x.ko'), 'utf8')).toBe('x');
  });
});
