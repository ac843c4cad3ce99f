import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModuleIndex, resolveModules, type ModuleIndex } from './resolver.js';
import { moduleNameOfPath } from './names.js';
import { TEST_KV, TEST_MODULE_DIR } from '../../test/debian-kernel.js';

const KV = TEST_KV;
const DIR = TEST_MODULE_DIR;

/** The host modprobe's answer, module names in its load order (softdeps included, as modprobe follows them). */
function modprobeShowDepends(name: string): string[] {
  const out = execFileSync('modprobe', ['-S', KV, '--show-depends', name]).toString();
  return out
    .split('\n')
    .filter((l) => l.startsWith('insmod '))
    .map((l) => moduleNameOfPath(l.split(' ')[1]!));
}

let index: ModuleIndex;
beforeAll(async () => {
  index = await loadModuleIndex(DIR);
});

describe('resolveModules on the real Debian tree', () => {
  it('ext4: modprobe --show-depends plus its softdeps, both crc32c drivers included', () => {
    const plan = resolveModules(index, ['ext4']);
    const names = plan.modules.map((m) => m.name);
    expect(names).toEqual(modprobeShowDepends('ext4'));
    // The softdep closure by hand: modules.dep gives jbd2 mbcache crc16; crypto-crc32c adds both drivers.
    expect(new Set(names)).toEqual(new Set(['crc32c_intel', 'crc32c_generic', 'jbd2', 'mbcache', 'crc16', 'ext4']));
    expect(plan.modules.find((m) => m.name === 'ext4')).toEqual({ name: 'ext4', relPath: 'kernel/fs/ext4/ext4.ko' });
    expect(plan.modules.find((m) => m.name === 'crc32c_generic')?.requiredBy).toBe('ext4');
    expect(plan.missing).toEqual([]);
  });

  // A spread of storage, filesystem, crypto and bus drivers; each must equal modprobe's closure.
  const sample = [
    'btrfs', 'xfs', 'vfat', 'nfs', 'virtio_blk', 'virtio_net', 'virtio_scsi', 'virtio_pci', 'nvme', 'ahci', 'sd_mod',
    'dm_crypt', 'dm_raid', 'raid456', 'usb_storage', 'uas', 'xhci_pci', 'uhci_hcd', 'hv_storvsc', 'iscsi_tcp', 'cifs',
    'overlay', 'squashfs', 'isofs', 'e1000e', 'mptsas', 'megaraid_sas', 'firewire_sbp2', 'zram', 'loop',
  ];
  it.each(sample.filter((s) => s !== 'btrfs'))('%s: same modules as modprobe --show-depends', (name) => {
    const ours = resolveModules(index, [name]).modules.map((m) => m.name);
    expect(new Set(ours)).toEqual(new Set(modprobeShowDepends(name)));
  });

  it('btrfs: modprobe\'s set plus the softdep lines kmod skips (it reads only the first line per module)', () => {
    // modules.softdep has four "softdep btrfs pre:" lines; kmod honours blake2b-256 only. The image
    // needs the checksum drivers of the others too (a filesystem made with xxhash64 will not mount).
    const ours = new Set(resolveModules(index, ['btrfs']).modules.map((m) => m.name));
    const theirs = new Set(modprobeShowDepends('btrfs'));
    for (const m of theirs) expect(ours).toContain(m);
    const fromLaterLines = new Set(resolveModules(index, ['sha256', 'xxhash64', 'crypto-crc32c']).modules.map((m) => m.name));
    for (const m of ours) if (!theirs.has(m)) expect(fromLaterLines).toContain(m);
    expect(ours.size).toBeGreaterThan(theirs.size);
  });

  it('resolves aliases the way modprobe does (fs-ext4, a virtio modalias)', () => {
    expect(resolveModules(index, ['fs-ext4']).modules.map((m) => m.name)).toEqual(modprobeShowDepends('fs-ext4'));
    const modalias = 'virtio:d00000002v00001AF4';
    expect(resolveModules(index, [modalias]).modules.map((m) => m.name)).toEqual(modprobeShowDepends(modalias));
  });

  it('lists builtin and missing names apart, once each, in request order', () => {
    const builtinName = [...index.builtin][0]!;
    const plan = resolveModules(index, ['no_such_mod', builtinName, 'ext4', 'no-such-mod', 'no_such_mod', builtinName, 'fs-tracefs']);
    expect(plan.missing).toEqual(['no_such_mod', 'no-such-mod']);
    expect(plan.builtin).toEqual([builtinName, 'tracefs']);
    expect(plan.modules.map((m) => m.name)).toContain('ext4');
  });

  it('is deterministic and puts every dependency before the module that needs it', () => {
    const req = ['virtio_scsi', 'btrfs', 'ext4', 'dm_crypt', 'nvme'];
    const a = resolveModules(index, req);
    expect(resolveModules(index, req)).toEqual(a);
    const pos = new Map(a.modules.map((m, i) => [m.name, i]));
    for (const m of a.modules) {
      for (const dep of index.modules.get(m.name)!.deps) expect(pos.get(index.nameOfPath.get(dep)!)!).toBeLessThan(pos.get(m.name)!);
    }
    expect(new Set(a.modules.map((m) => m.name)).size).toBe(a.modules.length);
  });

  it('resolves every module in the tree (the --all-ramdisk-modules case) quickly and completely', () => {
    const t0 = performance.now();
    const plan = resolveModules(index, [...index.modules.keys()]);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(plan.modules).toHaveLength(index.modules.size);
  });

  it('follows modprobe.d softdeps from injectable directories, and can ignore the host ones', async () => {
    const conf = mkdtempSync(join(tmpdir(), 'gk-modprobe-'));
    writeFileSync(join(conf, 'x.conf'), 'softdep loop pre: crc16 post: fs-vfat\n');
    const withConf = await loadModuleIndex(DIR, { modprobeDirs: [conf] }).finally(() => rmSync(conf, { recursive: true }));
    const names = resolveModules(withConf, ['loop']).modules.map((m) => m.name);
    expect(names.indexOf('crc16')).toBeLessThan(names.indexOf('loop'));
    expect(names.indexOf('vfat')).toBeGreaterThan(names.indexOf('loop'));
    // uhci_hcd declares "pre: ehci_pci"; Debian's /lib/modprobe.d replaces that with "pre: ehci-hcd".
    const none = await loadModuleIndex(DIR, { modprobeDirs: [] });
    const own = resolveModules(none, ['uhci_hcd']).modules.map((m) => m.name);
    expect(own).toContain('ehci_pci');
    const configured = resolveModules(index, ['uhci_hcd']).modules.map((m) => m.name);
    expect(configured).toContain('ehci_hcd');
    expect(configured).not.toContain('ehci_pci');
  });
});
