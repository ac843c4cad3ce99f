/**
 * Image-level: `tsgenkernel initramfs` with firmware and early microcode, read back with
 * `tsgenkernel inspect`. A synthetic firmware dir stands in for linux-firmware and the ucode
 * packages (Debian's intel-microcode/amd64-microcode are in non-free-firmware).
 */
import { describe, test, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, REPO, type BootFixture } from '../../test/boot/fixture.js';
import { buildImageOk } from '../../test/boot/build-image.js';

let fx: BootFixture;
let fwDir: string;
const ucode = Buffer.alloc(64, 0x11);

beforeAll(() => {
  fx = bootFixture();
  fwDir = mkdtempSync(join(fx.scratch, 'fwdir-'));
  mkdirSync(join(fwDir, 'intel-ucode'));
  ucode.writeUInt32LE(1, 0);
  ucode.writeUInt32LE(0x50654, 12);
  ucode.writeUInt32LE(1, 20);
  writeFileSync(join(fwDir, 'intel-ucode', '06-55-04'), ucode);
  copyFileSync('/lib/firmware/carl9170-1.fw', join(fwDir, 'carl9170-1.fw'));
  mkdirSync(join(fwDir, 'e100'));
  writeFileSync(join(fwDir, 'e100', 'd101m_ucode.bin'), 'E100');
}, 600_000);

function inspect(image: string): string {
  return execFileSync(join(REPO, 'bin', 'tsgenkernel'), ['inspect', image], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

describe('image: firmware and early microcode through the CLI', () => {
  test('--microcode-initramfs puts an uncompressed early part first; --firmware-files and declared firmware land in lib/firmware', () => {
    const built = buildImageOk(fx, [
      '--microcode-initramfs', '--microcode=intel', `--firmware-dir=${fwDir}`,
      '--firmware', '--firmware-files=carl9170-1.fw', '--loglevel=1',
    ], 'fw-ucode');
    const listing = inspect(built.image);
    expect(listing).toMatch(/== part 1: early cpio, uncompressed/);
    expect(listing).toMatch(new RegExp(`\\s${ucode.length}  kernel/x86/microcode/GenuineIntel\\.bin`));
    expect(listing).toMatch(/== part 2: main archive, zstd-compressed/);
    expect(listing).toContain('lib/firmware/carl9170-1.fw');
    // Missing firmware of the default module set: at most one grouped warning line.
    expect(built.output.split('\n').filter((l) => /firmware files? the selected drivers/.test(l)).length).toBeLessThanOrEqual(1);
    expect(built.output).not.toMatch(/WARNING: firmware \S+ not found/);
  }, 600_000);

  test('no ucode dirs: one warning, a single-part image', () => {
    const empty = mkdtempSync(join(fx.scratch, 'nofw-'));
    const built = buildImageOk(fx, ['--microcode-initramfs', `--firmware-dir=${empty}`, '--no-firmware'], 'no-ucode');
    expect(built.output).toMatch(/WARNING: no microcode in .*intel-ucode and .*amd-ucode .*no early archive is built/);
    const listing = inspect(built.image);
    expect(listing).not.toContain('early cpio');
    expect(listing).not.toContain('GenuineIntel.bin');
  }, 600_000);
});
