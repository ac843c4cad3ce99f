import { describe, expect, it } from 'vitest';
import { stagesFor } from '../pipelines.js';
import { assembleStage } from '../stages/assemble.js';
import { kernelInstallStage } from '../stages/kernel-install.js';
import { kernelIntegrateInitramfsStage } from '../stages/kernel-integrate-initramfs.js';
import { packagesStage } from '../stages/packages.js';
import { KernelConfig } from './kconfig.js';
import { builtInCompressionSymbol, builtInInitramfsConfig, refuseIntegratedConflicts } from './integrated-initramfs.js';

describe('--integrated-initramfs config edits', () => {
  it('points INITRAMFS_SOURCE at the cpio, owned by root, compressed as the image was, the other choices off', () => {
    const before = 'CONFIG_BLK_DEV_INITRD=y\nCONFIG_INITRAMFS_SOURCE=""\nCONFIG_RD_ZSTD=y\nCONFIG_INITRAMFS_COMPRESSION_GZIP=y\n';
    const after = KernelConfig.parse(builtInInitramfsConfig(before, '/o/tsgk-initramfs.cpio', 'zstd -19'));
    expect(after.get('INITRAMFS_SOURCE')).toBe('/o/tsgk-initramfs.cpio');
    expect(after.get('INITRAMFS_ROOT_UID')).toBe('0');
    expect(after.get('INITRAMFS_ROOT_GID')).toBe('0');
    expect(after.get('INITRAMFS_COMPRESSION_ZSTD')).toBe('y');
    expect(after.get('INITRAMFS_COMPRESSION_GZIP')).toBeUndefined();
    expect(builtInCompressionSymbol('none')).toBe('INITRAMFS_COMPRESSION_NONE');
    expect(builtInCompressionSymbol('xz -6')).toBe('INITRAMFS_COMPRESSION_XZ');
  });

  it('runs in all only: after the image is assembled, before the packages and the kernel install', () => {
    const all = stagesFor('all');
    const at = (s: unknown) => all.indexOf(s as (typeof all)[number]);
    expect(at(kernelIntegrateInitramfsStage)).toBeGreaterThan(at(assembleStage));
    expect(at(kernelIntegrateInitramfsStage)).toBeLessThan(at(packagesStage));
    expect(at(kernelIntegrateInitramfsStage)).toBeLessThan(at(kernelInstallStage));
    for (const c of ['initramfs', 'kernel', 'bzImage'] as const) expect(stagesFor(c)).not.toContain(kernelIntegrateInitramfsStage);
  });

  it('refuses early microcode, --uki and --no-kernel-sources, each with its way out', () => {
    const ok = { MICROCODE_INITRAMFS: false, MICROCODE: 'all', KERNEL_SOURCES: true, UKI: false };
    expect(() => refuseIntegratedConflicts(ok)).not.toThrow();
    expect(() => refuseIntegratedConflicts({ ...ok, MICROCODE_INITRAMFS: true, MICROCODE: 'none' })).not.toThrow();
    expect(() => refuseIntegratedConflicts({ ...ok, MICROCODE_INITRAMFS: true })).toThrow(/early microcode/);
    expect(() => refuseIntegratedConflicts({ ...ok, UKI: true })).toThrow(/--uki/);
    expect(() => refuseIntegratedConflicts({ ...ok, KERNEL_SOURCES: false })).toThrow(/needs the kernel sources/);
  });
});
