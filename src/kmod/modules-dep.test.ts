import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GkError } from '../errors.js';
import { loadModulesDep, parseModulesDep } from './modules-dep.js';
import { TEST_MODULE_DIR } from '../../test/debian-kernel.js';

const DIR = TEST_MODULE_DIR;

describe('modules.dep', () => {
  it('reads every line of the real Debian tree', async () => {
    const entries = await loadModulesDep(DIR);
    const lines = readFileSync(`${DIR}/modules.dep`, 'utf8').trim().split('\n');
    expect(entries).toHaveLength(lines.length);
    const ext4 = entries.find((e) => e.name === 'ext4')!;
    expect(ext4.relPath).toBe('kernel/fs/ext4/ext4.ko');
    expect(ext4.deps).toEqual(lines.find((l) => l.startsWith('kernel/fs/ext4/ext4.ko:'))!.split(/:\s*/)[1]!.split(' '));
    // Dashes in file names become underscores in module names.
    expect(entries.find((e) => e.relPath.endsWith('/crc32c-intel.ko'))!.name).toBe('crc32c_intel');
  });

  it('reads compressed names and modules without deps', () => {
    const e = parseModulesDep('kernel/a/x-y.ko.zst:\nkernel/b/z.ko.xz: kernel/a/x-y.ko.zst\n');
    expect(e).toEqual([
      { name: 'x_y', relPath: 'kernel/a/x-y.ko.zst', deps: [] },
      { name: 'z', relPath: 'kernel/b/z.ko.xz', deps: ['kernel/a/x-y.ko.zst'] },
    ]);
  });

  it.each([
    ['kernel/a.ko kernel/b.ko', /modules.dep:2: no ':'/],
    [': kernel/b.ko', /modules.dep:2: bad module path/],
    ['kernel/a.txt:', /is not a kernel module file/],
    ['kernel/a.ko: kernel/b.o', /dependency "kernel\/b.o"/],
    ['kernel/a b.ko:', /bad module path/],
  ])('refuses %j naming the line', (bad, re) => {
    expect(() => parseModulesDep(`kernel/ok.ko:\n${bad}\n`)).toThrow(GkError);
    expect(() => parseModulesDep(`kernel/ok.ko:\n${bad}\n`)).toThrow(re);
  });

  it('names the directory to run depmod for when modules.dep is missing', async () => {
    await expect(loadModulesDep('/nonexistent')).rejects.toThrow(/\/nonexistent\/modules.dep cannot be read/);
  });
});
