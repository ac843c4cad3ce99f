import { describe, expect, it } from 'vitest';
import { KernelConfig } from '../kernel/kconfig.js';
import { mountTimeModules, mountTimeNeedsOf, renderMountTimeNeeds } from './mount-time-modules.js';
import { TEST_KERNEL_CONFIG } from '../../test/debian-kernel.js';

describe('mount-time modules', () => {
  it("follows the kernel's FAT defaults: codepage and iocharset become nls modules", () => {
    const cfg = KernelConfig.parse('CONFIG_FAT_DEFAULT_CODEPAGE=850\nCONFIG_FAT_DEFAULT_IOCHARSET="iso8859-15"\nCONFIG_EXFAT_DEFAULT_IOCHARSET="utf8"\n');
    const m = mountTimeModules(cfg);
    expect(m.get('vfat')).toEqual(['nls_cp850', 'nls_iso8859_15']);
    expect(m.get('msdos')).toEqual(['nls_cp850']);
    expect(m.get('exfat')).toEqual(['nls_utf8']);
  });

  it('on the installed Debian kernel: vfat needs nls_cp437 and the iocharset its config names', async () => {
    const cfg = await KernelConfig.load(TEST_KERNEL_CONFIG);
    const iocharset = cfg.get('FAT_DEFAULT_IOCHARSET')!.replace(/-/g, '_');
    expect(mountTimeModules(cfg).get('vfat')).toEqual([`nls_cp${cfg.get('FAT_DEFAULT_CODEPAGE')}`, `nls_${iocharset}`]);
  });

  it('only for the filesystems the image carries, rendered for /etc/initrd.defaults', () => {
    const cfg = KernelConfig.parse('CONFIG_FAT_DEFAULT_CODEPAGE=437\nCONFIG_FAT_DEFAULT_IOCHARSET="ascii"\n');
    const needs = mountTimeNeedsOf(cfg, new Set(['ext4', 'vfat']));
    expect([...needs.keys()]).toEqual(['vfat']);
    expect(renderMountTimeNeeds(needs)).toBe('vfat=nls_cp437,nls_ascii');
    expect(renderMountTimeNeeds(mountTimeNeedsOf(cfg, new Set(['ext4'])))).toBe('');
  });
});
