/**
 * The README's claim "`.ko.zst`, `.ko.xz` and `.ko.gz` all load at boot", booted: a module tree
 * compressed by the real tools and indexed by the real depmod, kept compressed in the image
 * (--no-decompress-modules) and loaded by the image's static kmod. zstd is boot.test.ts's case 1.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { detectHostKmod } from '../../src/kmod/host-kmod.js';
import { readableCompressions } from '../../src/kmod/capability.js';
import { makeModuleTree, type ModuleTreeFixture } from '../../src/kmod/test-fixtures.js';
import { configWithCompression } from '../cli/run-cli.js';
import { bootFixture, type BootFixture } from './fixture.js';
import { buildImage, listImage } from './build-image.js';
import { bootImage } from './qemu.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from './one-root.js';

let fx: BootFixture;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(() => {
  fx = bootFixture();
}, 600_000);
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** Build from a small tree of `compression` modules, kept compressed in the image. */
async function buildKept(compression: 'xz' | 'gzip') {
  const tree: ModuleTreeFixture = await makeModuleTree(compression);
  cleanups.push(() => tree.cleanup());
  const work = mkdtempSync(join(fx.scratch, `${compression}-config-`));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));
  const config = configWithCompression(join(work, 'config'), compression === 'xz' ? 'XZ' : 'GZIP', fx.kv);
  const built = buildImage(fx, [`--kernel-modules-prefix=${tree.baseDir}`, `--kernel-config=${config}`, '--no-decompress-modules'], `kept-${compression}`);
  cleanups.push(() => rmSync(built.workDir, { recursive: true, force: true }));
  return built;
}

describe('boot: modules kept compressed with xz and gzip', () => {
  test('.ko.xz kept in the image, loaded by the static kmod, reaches the root', async () => {
    const built = await buildKept('xz');
    expect(built.exitCode, built.output).toBe(0);
    const files = listImage(built.image!);
    expect(files.some((f) => f.endsWith('/virtio_blk.ko.xz'))).toBe(true);
    expect(files.some((f) => f.endsWith('/ext4.ko.xz'))).toBe(true);
    const r = await bootImage({ kernel: fx.kernel, initramfs: built.image!, disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE}`, timeoutMs: 90_000 });
    expectRealRoot(r);
    expect(r.output).toMatch(/^TSGK-MODULES: .*\bvirtio_blk\b/m);
    expect(r.output).toMatch(/^TSGK-MODULES: .*\bext4\b/m);
  }, 900_000);

  test('.ko.gz boots where the host kmod reads gzip, and is refused with nothing written where it does not', async () => {
    const host = await detectHostKmod();
    const built = await buildKept('gzip');
    if (host && readableCompressions(host).includes('gzip')) {
      expect(built.exitCode, built.output).toBe(0);
      expect(listImage(built.image!).some((f) => f.endsWith('/virtio_blk.ko.gz'))).toBe(true);
      const r = await bootImage({ kernel: fx.kernel, initramfs: built.image!, disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE}`, timeoutMs: 90_000 });
      expectRealRoot(r);
    } else {
      expect(built.exitCode).not.toBe(0);
      expect(built.output).toMatch(/gzip/);
      expect(built.output).toMatch(/kmod/);
      expect(built.bootDirEntries).toEqual([]);
    }
  }, 900_000);
});
