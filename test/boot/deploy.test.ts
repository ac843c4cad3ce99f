/**
 * Build once, deploy to many: the packages one machine writes (--minkernpackage,
 * --modulespackage) are unpacked with GNU tar into a fresh boot dir and root standing in for a
 * second machine, and what was unpacked boots in QEMU to the real root past the decoy. Debian's
 * installed kernel is the one packaged, so no compile is needed here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootFixture, type BootFixture } from './fixture.js';
import { buildImageOk, listImage } from './build-image.js';
import { bootImage } from './qemu.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from './one-root.js';

const ARCH = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
let fx: BootFixture;
let work: string;
beforeAll(() => {
  fx = bootFixture();
  work = mkdtempSync(join(fx.scratch, 'deploy-'));
}, 600_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('deploy: packages unpacked on a second machine boot', () => {
  test('minkernpackage + modulespackage → fresh /boot and root → boots to the root past the decoy', async () => {
    const minkern = join(work, 'kernel.tar.zst');
    const modules = join(work, 'modules.tar');
    const built = buildImageOk(fx, [`--minkernpackage=${minkern}`, `--modulespackage=${modules}`], 'deploy');
    rmSync(built.workDir, { recursive: true, force: true });

    // The second machine: nothing but what the two archives bring.
    const boot = join(work, 'machine2', 'boot');
    const root = join(work, 'machine2', 'root');
    mkdirSync(boot, { recursive: true });
    mkdirSync(root, { recursive: true });
    execFileSync('tar', ['-xf', minkern, '-C', boot]);
    execFileSync('tar', ['-xf', modules, '-C', root]);
    expect(readdirSync(boot).sort()).toEqual([`System.map-${ARCH}-${fx.kv}`, `config-${ARCH}-${fx.kv}`, `initramfs-${ARCH}-${fx.kv}`, `kernel-${ARCH}-${fx.kv}`]);
    const moduleDir = join(root, 'lib', 'modules', fx.kv);
    expect(existsSync(join(moduleDir, 'modules.dep'))).toBe(true);
    expect(statSync(join(moduleDir, 'modules.dep.bin')).size).toBeGreaterThan(0);

    // 1. The packaged kernel and initramfs, as unpacked.
    const kernel = join(boot, `kernel-${ARCH}-${fx.kv}`);
    const packaged = await bootImage({ kernel, initramfs: join(boot, `initramfs-${ARCH}-${fx.kv}`), disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE}`, timeoutMs: 120_000 });
    expectRealRoot(packaged);

    // 2. An initramfs built on the second machine from the unpacked module tree and config
    //    alone: the modules package is a complete, depmod-indexed tree.
    const rebuilt = buildImageOk(fx, [`--kernel-modules-prefix=${root}`, `--kernel-config=${join(boot, `config-${ARCH}-${fx.kv}`)}`], 'deploy-rebuilt');
    try {
      expect(listImage(rebuilt.image).some((f) => /\/virtio_blk\.ko(\.zst)?$/.test(f))).toBe(true);
      const r = await bootImage({ kernel, initramfs: rebuilt.image, disks: oneRootDisks(fx), append: `root=${ROOT_DEVICE}`, timeoutMs: 120_000 });
      expectRealRoot(r);
    } finally {
      rmSync(rebuilt.workDir, { recursive: true, force: true });
    }
  }, 900_000);
});
