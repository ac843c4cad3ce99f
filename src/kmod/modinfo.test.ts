import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { loadModuleIndex, type ModuleIndex } from './module-index.js';
import { parseModinfo, planFirmware, readModinfo } from './modinfo.js';
import { resolveModules } from './resolver.js';
import { makeModuleTree, REAL_MODULE_DIR, type ModuleTreeFixture } from './test-fixtures.js';

const modinfoF = (file: string, field: string) =>
  execFileSync('modinfo', ['-F', field, file]).toString().split('\n').filter((l) => l !== '');

let index: ModuleIndex;
let zst: ModuleTreeFixture;
beforeAll(async () => {
  index = await loadModuleIndex(REAL_MODULE_DIR, { modprobeDirs: [] });
  zst = await makeModuleTree('zstd', ['ext4', 'virtio_net']);
});
afterAll(() => zst?.cleanup());

describe('modinfo', () => {
  it.each(['tg3', 'bnx2', 'r8169', 'e100', 'ext4', 'virtio_blk', 'i915'])('%s: same firmware, alias and depends as modinfo(8)', async (name) => {
    const file = join(REAL_MODULE_DIR, index.modules.get(name)!.relPath);
    const ours = await readModinfo(file);
    for (const field of ['firmware', 'alias', 'depends', 'license']) {
      // modinfo(8) prints an empty depends= as nothing.
      expect((ours.get(field) ?? []).filter((v) => v !== '')).toEqual(modinfoF(file, field));
    }
  });

  it('reads the same from a .ko.zst as from the plain .ko', async () => {
    for (const m of resolveModules(await loadModuleIndex(zst.moduleDir, { modprobeDirs: [] }), ['ext4', 'virtio_net']).modules) {
      const plain = join(REAL_MODULE_DIR, m.relPath.replace(/\.zst$/, ''));
      expect(await readModinfo(join(zst.moduleDir, m.relPath))).toEqual(await readModinfo(plain));
    }
  });

  it('plans the firmware of a module set: the union of modinfo -F firmware, plus builtin drivers on request', async () => {
    const plan = resolveModules(index, ['tg3', 'bnx2', 'r8169', 'e100', 'ext4']);
    const expected = new Set<string>();
    for (const m of plan.modules) for (const f of modinfoF(join(REAL_MODULE_DIR, m.relPath), 'firmware')) expected.add(f);
    expect(expected.size).toBeGreaterThan(10);
    expect(await planFirmware(plan, REAL_MODULE_DIR)).toEqual([...expected].sort());
    const withBuiltin = await planFirmware(plan, REAL_MODULE_DIR, { builtinModinfo: index.builtinModinfo });
    expect(withBuiltin.length).toBeGreaterThanOrEqual(expected.size);
  });

  it('answers damaged files with GkError, never a crash', () => {
    const elf = readFileSync(join(REAL_MODULE_DIR, index.modules.get('crc16')!.relPath));
    expect(() => parseModinfo(Buffer.from('not elf at all, not at all, not at all, not at all, not at all'), 'x.ko')).toThrow(GkError);
    for (const cut of [10, 60, 100, 1000, elf.length - 100]) {
      try {
        parseModinfo(elf.subarray(0, cut), 'crc16.ko');
      } catch (e) {
        expect(e).toBeInstanceOf(GkError);
      }
    }
    // Random byte damage in the headers: a result or a GkError, nothing else.
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      const copy = Buffer.from(elf);
      for (let j = 0; j < 4; j++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        copy[seed % 64] = seed & 0xff;
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const sh = Number(copy.readBigUInt64LE(0x28) % BigInt(copy.length));
        copy[(sh + (seed % 2048)) % copy.length] = (seed >> 8) & 0xff;
      }
      try {
        parseModinfo(copy, 'fuzz.ko');
      } catch (e) {
        expect(e).toBeInstanceOf(GkError);
      }
    }
  });
});
