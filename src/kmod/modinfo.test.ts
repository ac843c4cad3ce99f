import { describe, test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { elfSection, modulesFirmware, parseModinfoSection, readModuleModinfo } from './modinfo.js';
import { REAL_MODULE_DIR } from './test-context.js';

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
    expect(() => elfSection(real.subarray(0, 4096), '.modinfo', 'cut.ko')).toThrow(/cut\.ko: has a truncated section header table/);
  });

  test('parseModinfoSection skips padding and keeps repeated keys in order', () => {
    const info = parseModinfoSection(Buffer.from('\0\0firmware=a.bin\0alias=x\0firmware=b.bin\0\0\0'));
    expect(info.get('firmware')).toEqual(['a.bin', 'b.bin']);
    expect(info.get('alias')).toEqual(['x']);
  });
});
