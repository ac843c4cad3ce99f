import { describe, test, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { FirmwareCollector, firmwarePolicy, missingFirmwareReport } from './firmware-files.js';
import { REAL_CONFIG } from './test-context.js';
import { GkError } from '../errors.js';

/** A firmware dir with the shapes linux-firmware has: subdirs, relative links, compressed files. */
function fakeFirmwareDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-fw-'));
  mkdirSync(join(dir, 'vendor', 'chip'), { recursive: true });
  writeFileSync(join(dir, 'vendor', 'chip', 'real-1.bin'), 'REAL-ONE');
  symlinkSync('chip/real-1.bin', join(dir, 'vendor', 'alias.bin'));
  symlinkSync('alias.bin', join(dir, 'vendor', 'alias2.bin'));
  writeFileSync(join(dir, 'plain.bin'), 'PLAIN');
  writeFileSync(join(dir, 'zonly.bin'), 'ZSTD-PAYLOAD');
  execFileSync('zstd', ['-q', '--rm', join(dir, 'zonly.bin')]);
  writeFileSync(join(dir, 'xonly.bin'), 'XZ-PAYLOAD');
  execFileSync('xz', ['--check=crc32', join(dir, 'xonly.bin')]);
  symlinkSync('loop-b.bin', join(dir, 'loop-a.bin'));
  symlinkSync('loop-a.bin', join(dir, 'loop-b.bin'));
  symlinkSync('missing-target.bin', join(dir, 'dangling.bin'));
  symlinkSync('.', join(dir, 'selfdir'));
  return dir;
}

const debianPolicy = async () => firmwarePolicy(await KernelConfig.load(REAL_CONFIG));

function collector(dir: string, policy = { keepXz: true, keepZst: false }) {
  const image = new ImageTree();
  const scratch = mkdtempSync(join(tmpdir(), 'tsgk-fw-scratch-'));
  return { image, c: new FirmwareCollector(image, dir, policy, scratch) };
}

function fileText(image: ImageTree, path: string): string {
  const e = image.get(path);
  if (e?.kind !== 'file') throw new Error(`${path} is ${e?.kind ?? 'absent'}`);
  return typeof e.source === 'string' ? readFileSync(e.source, 'utf8') : e.source.toString();
}

describe('firmware policy from the kernel config', () => {
  test("Debian 6.1: xz kept (FW_LOADER_COMPRESS_XZ=y), zstd decompressed (not set)", async () => {
    expect(await debianPolicy()).toEqual({ keepXz: true, keepZst: false });
  });
  test('pre-5.19 FW_LOADER_COMPRESS alone means xz; none without it', () => {
    expect(firmwarePolicy(KernelConfig.parse('CONFIG_FW_LOADER_COMPRESS=y\n'))).toEqual({ keepXz: true, keepZst: false });
    expect(firmwarePolicy(KernelConfig.parse('CONFIG_FW_LOADER=y\n'))).toEqual({ keepXz: false, keepZst: false });
    expect(firmwarePolicy(KernelConfig.parse('CONFIG_FW_LOADER_COMPRESS=y\nCONFIG_FW_LOADER_COMPRESS_ZSTD=y\n'))).toEqual({ keepXz: false, keepZst: true });
  });
});

describe('FirmwareCollector', () => {
  test('symlink chains stay symlinks and the final file is added', async () => {
    const dir = fakeFirmwareDir();
    const { image, c } = collector(dir);
    expect(await c.addName('vendor/alias2.bin')).toBe(true);
    expect(image.get('lib/firmware/vendor/alias2.bin')).toMatchObject({ kind: 'symlink', target: 'alias.bin' });
    expect(image.get('lib/firmware/vendor/alias.bin')).toMatchObject({ kind: 'symlink', target: 'chip/real-1.bin' });
    expect(fileText(image, 'lib/firmware/vendor/chip/real-1.bin')).toBe('REAL-ONE');
  });

  test('NAME.zst is decompressed under NAME when the kernel cannot read zstd; NAME.xz is kept', async () => {
    const dir = fakeFirmwareDir();
    const { image, c } = collector(dir, await debianPolicy());
    expect(await c.addName('zonly.bin')).toBe(true);
    expect(fileText(image, 'lib/firmware/zonly.bin')).toBe('ZSTD-PAYLOAD');
    expect(image.has('lib/firmware/zonly.bin.zst')).toBe(false);
    expect(await c.addName('xonly.bin')).toBe(true);
    expect(image.get('lib/firmware/xonly.bin.xz')?.kind).toBe('file');
    expect(image.has('lib/firmware/xonly.bin')).toBe(false);
  });

  test('with no compressed loading at all, .xz is decompressed too', async () => {
    const { image, c } = collector(fakeFirmwareDir(), { keepXz: false, keepZst: false });
    expect(await c.addName('xonly.bin')).toBe(true);
    expect(fileText(image, 'lib/firmware/xonly.bin')).toBe('XZ-PAYLOAD');
  });

  test('absent names and dangling links report false; escapes are refused', async () => {
    const { image, c } = collector(fakeFirmwareDir());
    expect(await c.addName('nope.bin')).toBe(false);
    expect(await c.addName('dangling.bin')).toBe(false);
    for (const escape of ['../etc/passwd', 'sub/../../etc/passwd', '..']) {
      const err = await c.addName(escape).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GkError);
      expect((err as GkError).message).toMatch(/^firmware name ".*" points outside /);
    }
    expect(image.size).toBe(0);
  });

  test('a symlink loop is a GkError naming the chain, not a hang', async () => {
    const { c } = collector(fakeFirmwareDir());
    const err = await c.addName('loop-a.bin').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toMatch(/symlink loop through loop-a\.bin -> loop-b\.bin -> loop-a\.bin/);
  });

  test('a directory-symlink cycle in the path ends in a GkError (ELOOP)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgk-fw-eloop-'));
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    const { c } = collector(dir);
    await expect(c.addName('a/x.bin')).rejects.toBeInstanceOf(GkError);
  });

  test('addAll walks without following links, so loops are harmless', async () => {
    const dir = fakeFirmwareDir();
    const { image, c } = collector(dir, await debianPolicy());
    const n = await c.addAll();
    expect(n).toBe(4); // real-1.bin, plain.bin, zonly.bin(.zst), xonly.bin.xz
    expect(image.get('lib/firmware/loop-a.bin')?.kind).toBe('symlink');
    expect(image.get('lib/firmware/selfdir')?.kind).toBe('symlink');
    expect(fileText(image, 'lib/firmware/zonly.bin')).toBe('ZSTD-PAYLOAD');
    expect(image.get('lib/firmware/xonly.bin.xz')?.kind).toBe('file');
  });

  test('the real firmware-linux-free file carl9170-1.fw is found in /lib/firmware', async () => {
    const { image, c } = collector('/lib/firmware', await debianPolicy());
    expect(await c.addName('carl9170-1.fw')).toBe(true);
    expect(image.get('lib/firmware/carl9170-1.fw')?.kind).toBe('file');
  });
});

describe('missing firmware report', () => {
  test('one line with a count and the first five names; every name in the details', () => {
    const missing = new Map(Array.from({ length: 8 }, (_, i) => [`fw/${i}.bin`, [`mod${i}.ko`]] as const));
    const r = missingFirmwareReport(missing, '/lib/firmware');
    expect(r.warning).toMatch(/^8 firmware files .* not in \/lib\/firmware: fw\/0\.bin, fw\/1\.bin, fw\/2\.bin, fw\/3\.bin, fw\/4\.bin and 3 more/);
    expect(r.details).toHaveLength(8);
    expect(r.details[7]).toBe('firmware fw/7.bin not found (named by mod7.ko)');
    expect(missingFirmwareReport(new Map(), '/x').warning).toBeUndefined();
  });
});
