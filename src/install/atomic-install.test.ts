import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAtomically, installSymlink } from './atomic-install.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgk-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function source(name: string, text: string): Promise<string> {
  const p = join(dir, 'src', name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(p, text);
  return p;
}

describe('installAtomically keeps exactly one .old generation', () => {
  it('first install, second keeps .old, third replaces .old', async () => {
    const boot = join(dir, 'boot');
    await mkdir(boot);
    await installAtomically(await source('k1', 'kernel one'), boot, 'vmlinuz-6.1');
    expect(await readFile(join(boot, 'vmlinuz-6.1'), 'utf8')).toBe('kernel one');
    expect(await readdir(boot)).toEqual(['vmlinuz-6.1']);

    await installAtomically(await source('k2', 'kernel two'), boot, 'vmlinuz-6.1');
    expect(await readFile(join(boot, 'vmlinuz-6.1'), 'utf8')).toBe('kernel two');
    expect(await readFile(join(boot, 'vmlinuz-6.1.old'), 'utf8')).toBe('kernel one');

    await installAtomically(await source('k3', 'kernel three'), boot, 'vmlinuz-6.1');
    expect(await readFile(join(boot, 'vmlinuz-6.1'), 'utf8')).toBe('kernel three');
    expect(await readFile(join(boot, 'vmlinuz-6.1.old'), 'utf8')).toBe('kernel two');
    // No temp files left, no third generation.
    expect((await readdir(boot)).sort()).toEqual(['vmlinuz-6.1', 'vmlinuz-6.1.old']);
    // The .old is a separate inode from the new file (hard link of the previous one).
    expect((await stat(join(boot, 'vmlinuz-6.1'))).ino).not.toBe((await stat(join(boot, 'vmlinuz-6.1.old'))).ino);
  });

  it('installSymlink repoints and keeps the previous target as name.old', async () => {
    const boot = join(dir, 'boot-links');
    await mkdir(boot);
    await installSymlink(boot, 'kernel', 'vmlinuz-a');
    expect(await readlink(join(boot, 'kernel'))).toBe('vmlinuz-a');
    await installSymlink(boot, 'kernel', 'vmlinuz-b');
    expect(await readlink(join(boot, 'kernel'))).toBe('vmlinuz-b');
    expect(await readlink(join(boot, 'kernel.old'))).toBe('vmlinuz-a');
    expect((await lstat(join(boot, 'kernel'))).isSymbolicLink()).toBe(true);
  });
});
