/**
 * QEMU boot scenarios for images built by `tsgenkernel initramfs` (project issue 4). Each
 * boots Debian's kernel with the built image and the fixture's ext4 root disk; passing means
 * the root disk's /sbin/init printed its sentinel (or, for failure scenarios, that the init
 * said what failed and QEMU exited on its own).
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, countModules, ROOT_UUID, ROOT_LABEL, type BootFixture } from './fixture.js';
import { bootImage, initLines, type BootOptions } from './qemu.js';
import { expectRealRoot, oneRootDisks, ROOT_DEVICE } from './one-root.js';
import { buildImage, buildImageOk } from './build-image.js';
import { listImage, unpackImage, packImage } from './image-files.js';
import { swapInZstdModules } from './repack.js';

let fx: BootFixture;
const timings: string[] = [];

beforeAll(() => {
  fx = bootFixture();
}, 600_000);

const workDirs: string[] = [];

afterAll(() => {
  if (timings.length) console.log(`boot times (QEMU start to sentinel or exit):\n  ${timings.join('\n  ')}`);
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

// Images are built on first use and shared by the scenarios that boot them differently.
const images = new Map<string, string>();
function image(key: string, args: string[]): string {
  let img = images.get(key);
  if (!img) {
    const built = buildImageOk(fx, args, key);
    workDirs.push(built.workDir);
    timings.push(`build ${key} (${args.join(' ') || 'defaults'}): ${built.ms} ms`);
    img = built.image;
    images.set(key, img);
  }
  return img;
}
const keptZst = () => image('kept-zst', ['--no-decompress-modules']);

async function boot(label: string, initramfs: string, append: string, extra: Partial<BootOptions> = {}) {
  const r = await bootImage({ kernel: fx.kernel, initramfs, disks: oneRootDisks(fx), append, timeoutMs: 180_000, ...extra });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}

/** The init's one-line report of what got loaded. */
function loadedModules(output: string): string[] {
  const line = output.split(/\r?\n/).find((l) => l.startsWith('>> modules loaded:'));
  return line ? line.replace('>> modules loaded:', '').trim().split(/\s+/) : [];
}

describe('boot: images built by tsgenkernel initramfs', () => {
  test('fixture: the whole distribution tree is recompressed to .ko.zst', () => {
    const tree = countModules(fx.zstdModulesPrefix);
    expect(tree.ko).toBe(0);
    expect(tree.zst).toBeGreaterThan(3000);
  });

  test('1. .ko.zst kept in the image, loaded by kmod, root=/dev/vdb past a decoy', async () => {
    const img = keptZst();
    const files = listImage(img);
    expect(files.some((f) => f.endsWith('/virtio_blk.ko.zst'))).toBe(true);
    expect(files.some((f) => f.endsWith('/virtio_blk.ko'))).toBe(false);
    const r = await boot('1 kept .ko.zst, root=/dev/vdb', img, `root=${ROOT_DEVICE}`);
    expectRealRoot(r);
    const loaded = loadedModules(r.output);
    timings.push(`1 console: modules loaded: ${loaded.join(' ')}`);
    expect(loaded).toContain('virtio_blk');
    expect(loaded).toContain('ext4');
  }, 900_000);

  test('2a. same image, root=UUID=', async () => {
    const r = await boot('2a root=UUID=', keptZst(), `root=UUID=${ROOT_UUID}`);
    expectRealRoot(r);
    expect(r.output).toContain(`root device UUID=${ROOT_UUID} is ${ROOT_DEVICE}`);
  }, 900_000);

  test('2b. same image, real_root=LABEL= wins over root=', async () => {
    const r = await boot('2b real_root=LABEL=', keptZst(), `root=/dev/sdz9 real_root=LABEL=${ROOT_LABEL}`);
    expectRealRoot(r);
    expect(r.output).toContain(`root device LABEL=${ROOT_LABEL} is ${ROOT_DEVICE}`);
  }, 900_000);

  test('3. modules stored decompressed (the default) boots', async () => {
    const img = image('decompressed', []);
    const files = listImage(img);
    expect(files.some((f) => f.endsWith('/virtio_blk.ko'))).toBe(true);
    expect(files.some((f) => f.endsWith('.ko.zst'))).toBe(false);
    const r = await boot('3 decompressed modules', img, `root=${ROOT_DEVICE}`);
    expectRealRoot(r);
    expect(loadedModules(r.output)).toContain('virtio_blk');
  }, 900_000);

  test('4a. the build refuses busybox modutils with .ko.zst modules', () => {
    const r = buildImage(fx, ['--no-kmod', '--no-decompress-modules'], 'refused');
    workDirs.push(r.workDir);
    timings.push(`build refused (--no-kmod --no-decompress-modules): exit ${r.exitCode} after ${r.ms} ms`);
    expect(r.exitCode, r.output).not.toBe(0);
    expect(r.output).toMatch(/busybox/i);
    expect(r.output).toMatch(/zstd/i);
    // Both ways out are named.
    expect(r.output).toMatch(/decompress/i);
    expect(r.output).toMatch(/kmod/i);
    expect(r.bootDirEntries).toEqual([]);
  }, 900_000);

  test('4b. forced busybox modprobe + .ko.zst: modules fail to load, root is not reached', async () => {
    const built = image('no-kmod', ['--no-kmod']);
    const dir = mkdtempSync(join(fx.scratch, 'forced-'));
    workDirs.push(dir);
    const root = join(dir, 'root');
    const { early } = unpackImage(built, root);
    // The image really is the busybox flavour: /sbin/modprobe is busybox, not kmod.
    expect(readdirSync(join(root, 'sbin'))).toContain('modprobe');
    const swapped = swapInZstdModules(root, join(fx.zstdModulesPrefix, 'lib', 'modules', fx.kv));
    expect(swapped).toBeGreaterThan(0);
    const forced = join(dir, 'forced.img');
    packImage(root, forced, early);
    const r = await boot('4b forced busybox + .ko.zst', forced, `root=${ROOT_DEVICE} gk.emergency=poweroff`);
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut, initLines(r.output)).toBe(false);
    const evidence = r.output.split(/\r?\n/).find((l) => /invalid module format|Invalid ELF header magic/i.test(l));
    timings.push(`4b console: ${evidence?.trim() ?? '(no module format error shown)'}`);
    expect(r.output).toMatch(/invalid module format|Invalid ELF header magic/i);
    expect(r.output).toContain('BOOT FAILED');
  }, 900_000);

  test('5. a missing root ends with the failure message inside the timeout', async () => {
    const missing = 'deadbeef-0000-4000-8000-000000000000';
    const r = await boot('5 missing root (wrong UUID)', keptZst(), `root=UUID=${missing} gk.emergency=poweroff`, {
      // The init's own wait is 10 s; the rest is the kernel under TCG, slower on a loaded machine.
      timeoutMs: 120_000,
    });
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut, initLines(r.output)).toBe(false);
    expect(r.output).toContain('waiting up to 10 s for root device');
    expect(r.output).toContain(`BOOT FAILED: root device UUID=${missing} did not appear within 10 s`);
    // What was tried, and what is there instead.
    expect(r.output).toContain(`tried: findfs UUID=${missing}`);
    expect(r.output).toMatch(/\/dev\/vdb .*UUID="?0b7e8f3c/);
    expect(r.output).toContain('gk.emergency=poweroff: doing it now');
  }, 900_000);

  test('6. the rescue path: a wrong root= opens the shell, the root given there boots', async () => {
    const r = await boot('6 rescue shell, root given there', keptZst(), 'root=/dev/vdz9', {
      timeoutMs: 120_000,
      // The shell reads the console once its prompt shows; what is typed earlier is lost.
      typeOn: [
        { after: 'opening a rescue shell', text: '' },
        { after: '# ', text: `echo root=${ROOT_DEVICE} >> /run/gk-cmdline; exit\n` },
      ],
    });
    expect(r.output).toContain('BOOT FAILED: root device /dev/vdz9 did not appear');
    expect(r.output).toContain(`retrying with the parameters given in the rescue shell: root=${ROOT_DEVICE}`);
    expectRealRoot(r);
  }, 900_000);
});
