import { describe, test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GkError } from '../errors.js';
import { modulesFirmware, parseModinfo, parseModinfoSection, readModuleModinfo } from './modinfo.js';
import { REAL_MODULE_DIR } from './test-fixtures.js';

const E100 = 'kernel/drivers/net/ethernet/intel/e100.ko';
const I915 = 'kernel/drivers/gpu/drm/i915/i915.ko';

/** What kmod's modinfo says, the reference our reader must match. */
function kmodFirmware(file: string): string[] {
  return execFileSync('modinfo', ['-F', 'firmware', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('reading .modinfo from module files', () => {
  test('firmware= of real modules matches kmod modinfo', async () => {
    for (const rel of [E100, I915]) {
      const info = await readModuleModinfo(REAL_MODULE_DIR, rel);
      expect(info.get('firmware')?.sort()).toEqual(kmodFirmware(join(REAL_MODULE_DIR, rel)).sort());
      expect(info.get('license')?.[0]).toMatch(/GPL/);
    }
  });

  test('.ko.zst, .ko.xz and .ko.gz give the same modinfo as the plain .ko', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-modinfo-'));
    mkdirSync(join(dir, 'm'));
    copyFileSync(join(REAL_MODULE_DIR, E100), join(dir, 'm', 'e100.ko'));
    execFileSync('zstd', ['-q', '-k', join(dir, 'm', 'e100.ko')]);
    execFileSync('xz', ['-k', '--check=crc32', join(dir, 'm', 'e100.ko')]);
    writeFileSync(join(dir, 'm', 'e100.ko.gz'), gzipSync(readFileSync(join(dir, 'm', 'e100.ko'))));
    const plain = await readModuleModinfo(dir, 'm/e100.ko');
    for (const rel of ['m/e100.ko.zst', 'm/e100.ko.xz', 'm/e100.ko.gz']) {
      expect(await readModuleModinfo(dir, rel)).toEqual(plain);
    }
    expect(plain.get('firmware')).toHaveLength(3);
  });

  test('modulesFirmware groups names with the modules that ask', async () => {
    const m = await modulesFirmware(REAL_MODULE_DIR, [E100, 'kernel/drivers/net/virtio_net.ko']);
    expect([...m.keys()].sort()).toEqual(['e100/d101m_ucode.bin', 'e100/d101s_ucode.bin', 'e100/d102e_ucode.bin']);
    expect(m.get('e100/d101m_ucode.bin')).toEqual([E100]);
  });

  test('a truncated or non-ELF module is a GkError naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-modinfo-bad-'));
    writeFileSync(join(dir, 'junk.ko'), Buffer.from('not an elf at all, just text that is long enough to pass the size check ......'));
    await expect(readModuleModinfo(dir, 'junk.ko')).rejects.toThrow(/junk\.ko/);
    const real = readFileSync(join(REAL_MODULE_DIR, E100));
    expect(() => parseModinfo(real.subarray(0, 4096), 'cut.ko')).toThrow(/kernel module cut\.ko: has a truncated section header table/);
  });

  test('parseModinfoSection skips padding and keeps repeated keys in order', () => {
    const info = parseModinfoSection(Buffer.from('\0\0firmware=a.bin\0alias=x\0firmware=b.bin\0\0\0'));
    expect(info.get('firmware')).toEqual(['a.bin', 'b.bin']);
    expect(info.get('alias')).toEqual(['x']);
  });
});

describe('parseModinfo against modinfo(8) and damaged input', () => {
  const modinfoF = (file: string, field: string) => execFileSync('modinfo', ['-F', field, file]).toString().split('\n').filter((l) => l !== '');
  const relOf = (name: string) => {
    const found = execFileSync('modinfo', ['-n', '-b', join(REAL_MODULE_DIR, '../../..'), '-k', REAL_MODULE_DIR.split('/').pop()!, name], { encoding: 'utf8' }).trim();
    return found.slice(REAL_MODULE_DIR.length + 1);
  };

  test.each(['tg3', 'bnx2', 'r8169', 'e100', 'ext4', 'virtio_blk', 'i915'])('%s: same firmware, alias, depends and license as modinfo(8)', async (name) => {
    const rel = relOf(name);
    const ours = await readModuleModinfo(REAL_MODULE_DIR, rel);
    for (const field of ['firmware', 'alias', 'depends', 'license']) {
      // modinfo(8) prints an empty depends= as nothing.
      expect((ours.get(field) ?? []).filter((v) => v !== '')).toEqual(modinfoF(join(REAL_MODULE_DIR, rel), field));
    }
  });

  test('answers damaged files with GkError, never a crash', () => {
    const elf = readFileSync(join(REAL_MODULE_DIR, relOf('crc16')));
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
