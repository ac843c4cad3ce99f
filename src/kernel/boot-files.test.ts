import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installBootFiles } from './boot-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgk-bootfiles-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, text: string): Promise<string> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'src', name), text);
  return join(dir, 'src', name);
}

describe('installBootFiles', () => {
  it('installs a set, and on a failure part-way puts the previous set back', async () => {
    const boot = join(dir, 'boot');
    await mkdir(boot);
    await installBootFiles(boot, [
      { source: await file('k', 'K1'), name: 'vmlinuz-6.1' },
      { source: await file('m', 'M1'), name: 'System.map-6.1' },
    ]);
    // Second install: the kernel goes in, then System.map's source is a directory, which
    // cannot be copied; the kernel must be rolled back.
    const k2 = await file('k2', 'K2');
    await mkdir(join(dir, 'src', 'not-a-file'));
    await expect(
      installBootFiles(boot, [
        { source: k2, name: 'vmlinuz-6.1' },
        { source: join(dir, 'src', 'not-a-file'), name: 'System.map-6.1' },
        { source: k2, name: 'config-6.1' },
      ]),
    ).rejects.toThrow();
    expect(await readFile(join(boot, 'vmlinuz-6.1'), 'utf8')).toBe('K1');
    expect(await readFile(join(boot, 'System.map-6.1'), 'utf8')).toBe('M1');
    expect((await readdir(boot)).filter((n) => !n.endsWith('.old')).sort()).toEqual(['System.map-6.1', 'vmlinuz-6.1']);
  });

  it('removes files that did not exist before when the set fails', async () => {
    const boot = join(dir, 'boot-new');
    await mkdir(boot);
    await expect(
      installBootFiles(boot, [
        { source: await file('k3', 'K3'), name: 'vmlinuz-6.2' },
        { source: join(dir, 'src', 'not-a-file'), name: 'System.map-6.2' },
      ]),
    ).rejects.toThrow();
    expect(await readdir(boot)).toEqual([]);
  });
});
