/**
 * /init on its own (hand-assembled images, host busybox, no tsgenkernel build): the kernel
 * parameters with genkernel's meanings, partition ids without blkid, the hook contract of
 * /etc/initrd.d fragments, and the bounded failure path.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, cpSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, ROOT_DISK_INIT, type BootFixture } from './fixture.js';
import { bootImage, initLines } from './qemu.js';
import { handImage } from './hand-image.js';
import { makeGptDisk } from './gpt-disk.js';

let fx: BootFixture;
let dir: string;
let plain: string;
const timings: string[] = [];

const PART_UUID = '3f2a9c1e-57b4-4d0a-a1c2-9e8d7f6a5b4c';
const PART_LABEL = 'tsgk-gpt-root';

beforeAll(() => {
  fx = bootFixture();
  dir = mkdtempSync(join(fx.scratch, 'init-'));
  plain = handImage(join(dir, 'plain.img'));
}, 600_000);

afterAll(() => {
  if (timings.length) console.log(`init boot times (QEMU start to sentinel or exit):\n  ${timings.join('\n  ')}`);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function boot(label: string, initramfs: string, append: string, disk = fx.rootDisk) {
  const r = await bootImage({ kernel: fx.kernel, initramfs, disks: [disk], append, timeoutMs: 240_000 });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}

describe('init: kernel parameters and hooks (hand-assembled image)', () => {
  test('PARTUUID= and PARTLABEL= on a GPT disk, found without blkid', async () => {
    const contents = join(dir, 'gpt-root');
    for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'run']) mkdirSync(join(contents, d), { recursive: true });
    cpSync('/bin/busybox', join(contents, 'bin', 'busybox'));
    cpSync(ROOT_DISK_INIT, join(contents, 'sbin', 'init'));
    chmodSync(join(contents, 'sbin', 'init'), 0o755);
    const disk = join(dir, 'gpt.img');
    makeGptDisk({ file: disk, contents, partUuid: PART_UUID, partLabel: PART_LABEL });
    rmSync(contents, { recursive: true });

    // Upper case on the command line: PARTUUIDs compare case-insensitively.
    const byUuid = await boot('PARTUUID=', plain, `root=PARTUUID=${PART_UUID.toUpperCase()}`, disk);
    expect(byUuid.reachedRoot, initLines(byUuid.output)).toBe(true);
    expect(byUuid.output).toContain('is /dev/vda1');

    const byLabel = await boot('PARTLABEL=', plain, `root=PARTLABEL=${PART_LABEL}`, disk);
    expect(byLabel.reachedRoot, initLines(byLabel.output)).toBe(true);
    expect(byLabel.output).toContain('is /dev/vda1');
  }, 600_000);

  test("rw, init=, init_opts= and the kernel's leftover words (not the initramfs' flags) reach the real init", async () => {
    // dosshd, dolvm and gk.* are flags for the initramfs: they must not reach the real init.
    const r = await boot('rw init= init_opts=', plain, 'root=/dev/vda rw init=/sbin/init init_opts=from-opts dosshd single dolvm gk.nothing');
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toMatch(/^TSGK-INIT-ARGS: from-opts single\s*$/m);
    expect(r.output).toMatch(/TSGK-ROOT-MOUNT: \/dev\/vda \/ ext4 rw/);
  }, 300_000);

  test('REAL_ROOT baked into /etc/initrd.defaults is used without root=', async () => {
    const img = handImage(join(dir, 'defaults.img'), { defaults: 'REAL_ROOT=LABEL=tsgkroot\n' });
    const r = await boot('initrd.defaults REAL_ROOT', img, '');
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('root device LABEL=tsgkroot is /dev/vda');
  }, 300_000);

  test('fragments in /etc/initrd.d run at their hook points, in order', async () => {
    const img = handImage(join(dir, 'hooks.img'), {
      fragments: {
        '10-first.sh': [
          'first_pre_root() { echo "HOOK pre_root first root=$REAL_ROOT"; }',
          'first_post_mount() { [ -x "$GK_NEWROOT/sbin/init" ] && echo "HOOK post_mount sees /sbin/init"; }',
          'gk_hooks_pre_root="$gk_hooks_pre_root first_pre_root"',
          'gk_hooks_post_mount="$gk_hooks_post_mount first_post_mount"',
          '',
        ].join('\n'),
        '20-second.sh': [
          'second_init() { echo "HOOK init second value=$(gk_cmdline_get tsgk.test)"; }',
          'second_pre_root() { echo "HOOK pre_root second"; }',
          'gk_hooks_init="$gk_hooks_init second_init"',
          'gk_hooks_pre_root="$gk_hooks_pre_root second_pre_root"',
          '',
        ].join('\n'),
      },
    });
    const r = await boot('hooks', img, 'root=/dev/vda tsgk.test=42');
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    const hooks = r.output.split(/\r?\n/).filter((l) => l.startsWith('HOOK '));
    expect(hooks).toEqual([
      'HOOK init second value=42',
      'HOOK pre_root first root=/dev/vda',
      'HOOK pre_root second',
      'HOOK post_mount sees /sbin/init',
    ]);
  }, 300_000);

  test('a failing hook stops the boot and names itself', async () => {
    const img = handImage(join(dir, 'badhook.img'), {
      fragments: { '30-bad.sh': 'bad_unlock() { return 1; }\ngk_hooks_pre_root="$gk_hooks_pre_root bad_unlock"\n' },
    });
    const r = await boot('failing hook', img, 'root=/dev/vda gk.emergency=poweroff');
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain("BOOT FAILED: boot hook 'bad_unlock' (at pre_root) failed");
  }, 300_000);

  test('noload= keeps a driver out even when a device asks for it; doload= cannot override', async () => {
    const r = await boot('noload=virtio-blk', plain, 'root=/dev/vda noload=virtio-blk doload=virtio_blk,crc32c_generic gk.emergency=poweroff');
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain('doload: skipping virtio_blk (listed in noload=)');
    const loaded = r.output.split(/\r?\n/).find((l) => l.includes('modules loaded:')) ?? '';
    expect(loaded).toContain('virtio_pci');
    expect(loaded).toContain('crc32c_generic');
    expect(loaded).not.toContain('virtio_blk');
    expect(r.output).toContain('BOOT FAILED: root device /dev/vda did not appear within 10 s');
  }, 300_000);

  test('nomodules loads nothing; rootdelay= larger than the default sets the timeout', async () => {
    const r = await boot('nomodules rootdelay=12', plain, 'root=/dev/vda nomodules rootdelay=12 gk.emergency=poweroff');
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut).toBe(false);
    expect(r.output).toContain('nomodules: not loading any module');
    expect(r.output).toContain('waiting up to 12 s for root device /dev/vda');
    expect(r.output).toMatch(/!! {3}modules loaded: *\r?\n/);
    expect(r.output).toContain('(none: no disk driver bound?');
  }, 300_000);
});
