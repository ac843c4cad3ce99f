import { describe, test, expect } from 'vitest';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { blockNameOf, deviceModaliases, hostOnlyModules, hostOnlyPlan, rootMount } from './host-only.js';
import { loadModuleIndex } from '../kmod/module-index.js';
import { REAL_MODULE_DIR } from '../firmware/test-context.js';
import { GkError } from '../errors.js';

const indexP = loadModuleIndex(REAL_MODULE_DIR, { modprobeDirs: [] });

/** A fake /sys and /proc: files with contents, and relative symlinks like sysfs has. */
class FakeRoot {
  readonly base = mkdtempSync(join(tmpdir(), 'tsgk-hostonly-'));
  readonly sys = join(this.base, 'sys');
  readonly proc = join(this.base, 'proc');
  file(path: string, text: string): this {
    const p = join(this.base, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text + '\n');
    return this;
  }
  link(path: string, target: string): this {
    const p = join(this.base, path);
    const t = join(this.base, target);
    mkdirSync(dirname(p), { recursive: true });
    mkdirSync(t, { recursive: true });
    symlinkSync(relative(dirname(p), t), p);
    return this;
  }
  /** A device bound to a driver that comes from module `mod`. */
  driver(devPath: string, bus: string, drv: string, mod: string): this {
    this.link(`sys/bus/${bus}/drivers/${drv}/module`, `sys/module/${mod}`);
    return this.link(`${devPath}/driver`, `sys/bus/${bus}/drivers/${drv}`);
  }
}

const PCI = 'sys/devices/pci0000:00/0000:00:04.0';
const VIRTIO = `${PCI}/virtio2`;

/** LUKS on a partition of a virtio disk, ext4 inside: the common encrypted laptop/VM layout. */
function luksOnVirtio(): FakeRoot {
  return new FakeRoot()
    .file(`${PCI}/modalias`, 'pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00')
    .driver(PCI, 'pci', 'virtio-pci', 'virtio_pci')
    .file(`${VIRTIO}/modalias`, 'virtio:d00000002v00001AF4')
    .driver(VIRTIO, 'virtio', 'virtio_blk', 'virtio_blk')
    .link(`${VIRTIO}/block/vda/device`, VIRTIO)
    .file(`${VIRTIO}/block/vda/dev`, '254:0')
    .file(`${VIRTIO}/block/vda/vda2/partition`, '2')
    .file(`${VIRTIO}/block/vda/vda2/dev`, '254:2')
    .file('sys/devices/virtual/block/dm-0/dm/uuid', 'CRYPT-LUKS2-0b7e8f3c2d1a4c559e516a7b8c9d0e1f-root')
    .file('sys/devices/virtual/block/dm-0/dm/name', 'root')
    .link('sys/devices/virtual/block/dm-0/slaves/vda2', `${VIRTIO}/block/vda/vda2`)
    .link('sys/class/block/vda', `${VIRTIO}/block/vda`)
    .link('sys/class/block/vda2', `${VIRTIO}/block/vda/vda2`)
    .link('sys/class/block/dm-0', 'sys/devices/virtual/block/dm-0')
    .file('sys/devices/platform/serial8250/modalias', 'platform:serial8250')
    .file('proc/mounts', 'proc /proc proc rw 0 0\n/dev/mapper/root / ext4 rw,relatime 0 0\ntmpfs /run tmpfs rw 0 0');
}

describe('host-only module selection', () => {
  test('LUKS on a virtio partition: fs, dm-crypt, the disk driver chain, then device aliases', async () => {
    const r = luksOnVirtio();
    const plan = await hostOnlyPlan({ moduleDir: REAL_MODULE_DIR, index: await indexP, sysRoot: r.sys, procRoot: r.proc });
    expect(plan.rootFsType).toBe('ext4');
    expect(plan.modules.slice(0, 4)).toEqual(['ext4', 'dm_crypt', 'virtio_blk', 'virtio_pci']);
    expect(plan.reasons.get('dm_crypt')).toMatch(/dm-0 is a dm device \(CRYPT\)/);
    // serial8250 is built into Debian's kernel: nothing to request for it.
    expect(plan.modules).not.toContain('serial8250');
  });

  test('md raid1 under xfs: the md personality and the filesystem', async () => {
    const r = new FakeRoot()
      .file('sys/devices/virtual/block/md0/md/level', 'raid1')
      .link('sys/class/block/md0', 'sys/devices/virtual/block/md0')
      .file('sys/devices/platform/x/modalias', 'platform:none')
      .file('proc/mounts', '/dev/md0 / xfs rw 0 0');
    const mods = await hostOnlyModules({ moduleDir: REAL_MODULE_DIR, index: await indexP, sysRoot: r.sys, procRoot: r.proc });
    expect(mods).toEqual(['xfs', 'raid1']);
  });

  test('LVM maps to dm_mod and the usual LVM targets', async () => {
    const r = new FakeRoot()
      .file('sys/devices/virtual/block/dm-1/dm/uuid', 'LVM-abcdefabcdef')
      .file('sys/devices/virtual/block/dm-1/dm/name', 'vg-root')
      .link('sys/class/block/dm-1', 'sys/devices/virtual/block/dm-1')
      .file('proc/mounts', '/dev/mapper/vg-root / btrfs rw 0 0');
    const mods = await hostOnlyModules({ moduleDir: REAL_MODULE_DIR, index: await indexP, sysRoot: r.sys, procRoot: r.proc });
    expect(mods).toEqual(expect.arrayContaining(['btrfs', 'dm_mod', 'dm_snapshot']));
  });

  test('helpers: root mount, block names, alias walk', async () => {
    const r = luksOnVirtio();
    expect(await rootMount(r.proc)).toEqual({ device: '/dev/mapper/root', fsType: 'ext4' });
    expect(await blockNameOf('/dev/mapper/root', r.sys)).toBe('dm-0');
    expect(await blockNameOf('/dev/vda2', r.sys)).toBe('vda2');
    expect(await blockNameOf('/dev/sdz', r.sys)).toBeUndefined();
    expect(await deviceModaliases(r.sys)).toEqual(['pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00', 'platform:serial8250', 'virtio:d00000002v00001AF4']);
  });

  test('an empty /sys is a GkError, not an empty (unbootable) module list', async () => {
    const r = new FakeRoot().file('proc/mounts', '/dev/vda / ext4 rw 0 0');
    mkdirSync(r.sys, { recursive: true });
    await expect(hostOnlyModules({ moduleDir: REAL_MODULE_DIR, index: await indexP, sysRoot: r.sys, procRoot: r.proc })).rejects.toBeInstanceOf(GkError);
  });

  test("this machine's real /sys and /proc resolve against Debian's 6.1 tree", async () => {
    const mods = await hostOnlyModules({ moduleDir: REAL_MODULE_DIR, index: await indexP });
    // The build machine is a virtio VM with an ext4 root.
    expect(mods).toEqual(expect.arrayContaining(['ext4', 'virtio_pci', 'virtio_blk']));
    expect(mods.length).toBeLessThan(200);
  });
});
