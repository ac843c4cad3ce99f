import { describe, expect, it } from 'vitest';
import { OPTION_TABLE, type OptionSpec } from './option-table.js';
import { GENKERNEL_ONLY, closestKey, editDistance, isInert, knownConfKeys } from './genkernel-options.js';

/**
 * The names genkernel 4.3.17 knows (facts read from its genkernel.conf, gen_determineargs.sh and
 * gen_cmdline.sh): each must be accounted for, as a table row (works) or a genkernel-only row.
 */
const GENKERNEL_CONF_KEYS = `INSTALL OLDCONFIG MENUCONFIG GCONFIG NCONFIG XCONFIG MRPROPER CLEAN MOUNTBOOT SYMLINK SAVE_CONFIG
NOCOLOR CLEAR_CACHEDIR POSTCLEAR CHECK_FREE_DISK_SPACE_BOOTDIR CHECK_FREE_DISK_SPACE_KERNELOUTPUTDIR MAKEOPTS NICE BCACHE
LVM LUKS GPG KEYCTL MICROCODE MICROCODE_INITRAMFS NFS DMRAID SSH B2SUM BUSYBOX MDADM MDADM_CONFIG MULTIPATH ISCSI E2FSPROGS
UNIONFS ZFS BTRFS XFSPROGS FIRMWARE_INSTALL ALLFIRMWARE FIRMWARE FIRMWARE_DIR FIRMWARE_FILES BOOTLOADER SANDBOX BOOTFONT
SPLASH SPLASH_THEME PLYMOUTH PLYMOUTH_THEME MODULEREBUILD CMD_CALLBACK DOKEYMAPAUTO KEYMAP KERNEL_AS KERNEL_AR KERNEL_CC
KERNEL_LD KERNEL_NM KERNEL_MAKE KERNEL_OBJCOPY KERNEL_OBJDUMP KERNEL_RANLIB KERNEL_READELF KERNEL_STRIP UTILS_AS UTILS_AR
UTILS_CC UTILS_CXX UTILS_LD UTILS_NM UTILS_MAKE CROSS_COMPILE KERNEL_CROSS_COMPILE KERNEL_MAKE_DIRECTIVE_OVERRIDE
KERNEL_BINARY_OVERRIDE TMPDIR BOOTDIR GK_SHARE CACHE_DIR DISTDIR LOGFILE LOGLEVEL DEFAULT_KERNEL_SOURCE DEFAULT_KERNEL_CONFIG
BUSYBOX_CONFIG KERNEL_FILENAME KERNEL_SYMLINK_NAME KERNEL_LOCALVERSION KERNEL_SOURCES BUILD_STATIC GENZIMAGE KERNCACHE
KERNEL_MODULES_PREFIX INITRAMFS_FILENAME INITRAMFS_SYMLINK_NAME ALLRAMDISKMODULES RAMDISKMODULES MINKERNPACKAGE LINUXRC
MODULESPACKAGE INITRAMFS_OVERLAY INTEGRATED_INITRAMFS COMPRESS_INITRD COMPRESS_INITRD_TYPE WRAP_INITRD NETBOOT REAL_ROOT
KERNEL_DIR KERNEL_CONFIG_FILENAME SYSTEMMAP_FILENAME SYSTEMMAP_SYMLINK_NAME CHOST KERNEL_CXX KERNEL_CFLAGS UTILS_CFLAGS
UTILS_OBJCOPY UTILS_OBJDUMP UTILS_RANLIB UTILS_READELF UTILS_STRIP KERNEL_APPEND_LOCALVERSION MODPROBEDIR MODULEREBUILD_CMD
SSH_AUTHORIZED_KEYS_FILE SSH_HOST_KEYS STRACE HYPERV VIRTIO CLEANUP KERNEL_OUTPUTDIR STRIP_TYPE`.split(/\s+/);

const GENKERNEL_FLAGS = `loglevel logfile color cleanup menuconfig nconfig gconfig xconfig save-config hyperv microcode virtio
oldconfig clean mrproper splash plymouth install symlink ramdisk-modules all-ramdisk-modules module-rebuild module-rebuild-cmd
callback static kerneldir kernel-append-localversion kernel-config kernel-localversion kernel-modules-prefix cross-compile
kernel-cross-compile kernel-ar kernel-as kernel-cc kernel-ld kernel-make kernel-nm kernel-objcopy kernel-objdump kernel-ranlib
kernel-readelf kernel-strip kernel-target kernel-binary kernel-outputdir utils-ar utils-as utils-cc utils-cxx utils-cflags
utils-ld utils-make utils-nm utils-objcopy utils-objdump utils-ranlib utils-readelf utils-strip makeopts mountboot bootdir
modprobedir nice splash-res plymouth-theme do-keymap-auto keymap bcache lvm lvm2 mdadm mdadm-config microcode-initramfs nfs
dmraid e2fsprogs xfsprogs zfs btrfs multipath iscsi sandbox ssh ssh-authorized-keys-file ssh-host-keys boot-font bootloader
bootconfig linuxrc busybox-config genzimage luks gpg keyctl b2sum busybox unionfs netboot real-root cachedir
check-free-disk-space-bootdir check-free-disk-space-kerneloutputdir clear-cachedir tmpdir postclear kernel-config-filename
kernel-filename kernel-symlink-name minkernpackage modulespackage kerncache kernel-sources initramfs-filename
initramfs-overlay initramfs-symlink-name firmware firmware-dir firmware-files firmware-install integrated-initramfs
wrap-initrd compress-initramfs compress-initrd compress-initramfs-type compress-initrd-type strip systemmap-filename
systemmap-symlink-name gensplash gensplash-res strace`.split(/\s+/);

const TABLE = OPTION_TABLE as readonly OptionSpec[];

describe("genkernel's options, accounted for", () => {
  it('knows every genkernel.conf key, as a table row or a genkernel-only row with a status', () => {
    const known = new Set(knownConfKeys());
    expect(GENKERNEL_CONF_KEYS.filter((k) => !known.has(k))).toEqual([]);
  });

  it('knows every genkernel flag', () => {
    const flags = new Set([...TABLE.flatMap((o) => (o.flagOurs ? [] : [o.flag, ...(o.aliases ?? [])])), ...GENKERNEL_ONLY.flatMap((g) => g.flags ?? [])]);
    expect(GENKERNEL_FLAGS.filter((f) => !flags.has(f))).toEqual([]);
  });

  it('gives every not-offered row a reason and lists no key twice', () => {
    for (const g of GENKERNEL_ONLY) expect(g.note.length, g.key).toBeGreaterThan(10);
    const keys = knownConfKeys();
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('treats the feature-off values as asking for nothing', () => {
    const nfs = GENKERNEL_ONLY.find((g) => g.key === 'NFS')!;
    expect(isInert(nfs, 'no')).toBe(true);
    expect(isInert(nfs, false)).toBe(true);
    expect(isInert(nfs, 'yes')).toBe(false);
    const cxx = GENKERNEL_ONLY.find((g) => g.key === 'KERNEL_CXX')!;
    expect(isInert(cxx, 'g++')).toBe(true);
    expect(isInert(cxx, 'clang++')).toBe(false);
  });

  it('suggests the closest known key for a typo, and nothing for a stranger', () => {
    expect(closestKey('SYMLNK')).toBe('SYMLINK');
    expect(closestKey('MENUCOFNIG')).toBe('MENUCONFIG');
    expect(closestKey('kernel_dir')).toBe('KERNEL_DIR');
    expect(closestKey('COMPRESS_INITRAMFS_TYPE')).toBe('COMPRESS_INITRD_TYPE');
    expect(closestKey('GENTOO_MIRRORS')).toBeUndefined();
    expect(editDistance('ab', 'ba')).toBe(1);
  });
});
