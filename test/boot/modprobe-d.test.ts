/**
 * The host's modprobe.d in the image (MODPROBEDIR, --modprobedir), booted: its lines act on the
 * image's module loading as they do on the running system. Looked at from the real root, whose
 * init prints module parameters from /sys and the loaded modules from /proc/modules:
 * - an `options` line sets a parameter of a module the coldplug loads (virtio_blk);
 * - a `softdep` line brings a module into the image and loads it with its own `options` (loop);
 * - a `blacklist` line keeps the modalias coldplug (modprobe -b) from loading a driver for present
 *   hardware (ata_piix, QEMU's PIIX IDE controller), which the same build without the file loads.
 * The directory is the test's own, never the build host's /etc/modprobe.d.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, rootDiskRunning, type BootFixture } from './fixture.js';
import { bootImage, initLines } from './qemu.js';
import { buildImageOk } from './build-image.js';
import { listImage } from './image-files.js';
import { expectRealRoot, ROOT_DEVICE } from './one-root.js';

const BLACKLISTED = 'ata_piix';
const PARAMS = ['virtio_blk/parameters/num_request_queues', 'loop/parameters/max_loop'];

let fx: BootFixture;
let configured: string;
let plain: string;
let rootDisk: string;
const timings: string[] = [];

beforeAll(() => {
  fx = bootFixture();
  const dir = join(fx.scratch, 'modprobe.d-source');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'tsgk-test.conf'),
    [
      '# the boot test\'s own modprobe.d',
      'options virtio_blk num_request_queues=1',
      'softdep virtio_blk post: loop',
      'options loop max_loop=7',
      `blacklist ${BLACKLISTED}`,
      '',
    ].join('\n'),
  );
  const a = buildImageOk(fx, [`--modprobedir=${dir}`], 'modprobe-d');
  const b = buildImageOk(fx, ['--modprobedir='], 'modprobe-d-none');
  timings.push(`build with modprobe.d: ${a.ms} ms, without: ${b.ms} ms`);
  configured = a.image;
  plain = b.image;
  rootDisk = rootDiskRunning('root-params', [
    '/bin/busybox mount -t sysfs sysfs /sys 2>/dev/null',
    `for p in ${PARAMS.join(' ')}; do echo "TSGK-PARAM $p=$(/bin/busybox cat /sys/module/$p 2>&1)"; done`,
  ]);
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`modprobe.d boot timings:\n  ${timings.join('\n  ')}`);
});

async function boot(label: string, initramfs: string) {
  const r = await bootImage({ kernel: fx.kernel, initramfs, disks: [fx.decoyDisk, rootDisk], append: `root=${ROOT_DEVICE}`, timeoutMs: 180_000 });
  timings.push(`${label}: root reached in ${r.ms} ms`);
  expectRealRoot(r);
  const loaded = (/^TSGK-MODULES: (.*)$/m.exec(r.output)?.[1] ?? '').trim().split(/\s+/);
  const param = (p: string) => new RegExp(`^TSGK-PARAM ${p}=(.*)$`, 'm').exec(r.output)?.[1]?.trim();
  return { r, loaded, param };
}

describe('boot: the host modprobe.d in the image', () => {
  test('the image carries the file; both images carry the blacklisted driver', () => {
    expect(listImage(configured)).toContain('etc/modprobe.d/tsgk-test.conf');
    expect(listImage(plain).some((f) => f.includes('modprobe.d'))).toBe(false);
    for (const img of [configured, plain]) expect(listImage(img).some((f) => f.endsWith(`/${BLACKLISTED}.ko`))).toBe(true);
    // loop comes in only through the file's softdep.
    expect(listImage(configured).some((f) => f.endsWith('/loop.ko'))).toBe(true);
    expect(listImage(plain).some((f) => f.endsWith('/loop.ko'))).toBe(false);
  });

  test('options and softdep apply, the blacklisted driver stays out of the coldplug; without the file it loads', async () => {
    const withConf = await boot('with modprobe.d', configured);
    const lines = initLines(withConf.r.output);
    expect(withConf.param('virtio_blk/parameters/num_request_queues'), lines).toBe('1');
    expect(withConf.param('loop/parameters/max_loop'), lines).toBe('7');
    expect(withConf.loaded, lines).toContain('virtio_blk');
    expect(withConf.loaded, lines).toContain('loop');
    expect(withConf.loaded, lines).not.toContain(BLACKLISTED);

    const without = await boot('without modprobe.d', plain);
    const plainLines = initLines(without.r.output);
    // The control: the same hardware makes the coldplug load the driver when nothing forbids it.
    expect(without.loaded, plainLines).toContain(BLACKLISTED);
    expect(without.loaded, plainLines).not.toContain('loop');
    expect(without.param('virtio_blk/parameters/num_request_queues'), plainLines).toBe('0');
  }, 600_000);
});
