/**
 * The one option table. The CLI flags, the genkernel.conf keys, `--help`, bash completion and
 * the man page are all generated from it, so an option exists in all of them or in none.
 * Flags and conf keys use genkernel's own spelling; the ones genkernel lacks are marked `ours`.
 * Defaults are not here: they live in defaults/genkernel.conf, the file users already know.
 */
export type OptionKind = 'bool' | 'string' | 'int';

export interface OptionSpec {
  /** Long flag without the leading dashes, as genkernel spells it. */
  readonly flag: string;
  /** genkernel.conf key. */
  readonly key: string;
  readonly kind: OptionKind;
  readonly help: string;
  /** Placeholder shown in --help for valued options. */
  readonly arg?: string;
  readonly choices?: readonly string[];
  /** Commands the option matters to; absent = every build command. */
  readonly group: 'general' | 'kernel' | 'initramfs' | 'install';
  /** Not a genkernel option. */
  readonly ours?: boolean;
  /** genkernel has the conf key but no flag: the flag is tsgenkernel's. */
  readonly flagOurs?: boolean;
  /** Extra flags that mean the same (genkernel's deprecated spellings). */
  readonly aliases?: readonly string[];
  /** For a string option, the value its --no- form sets (genkernel's --no-strip = --strip=none). */
  readonly negatedValue?: string;
  /** The value the flag takes when given bare (genkernel's --microcode = all, --nice = 10). */
  readonly bareValue?: string;
}

export const OPTION_TABLE = [
  // General
  { flag: 'loglevel', key: 'LOGLEVEL', kind: 'int', arg: '0-5', group: 'general', help: 'verbosity: 0 silent, 1 stages and summary (default), 2 notes, 3 details, 4 commands, 5 everything' },
  { flag: 'logfile', key: 'LOGFILE', kind: 'string', arg: 'file', group: 'general', help: 'file that receives the full log, compiler output included' },
  { flag: 'color', key: 'USECOLOR', kind: 'bool', group: 'general', help: 'colour the output (NO_COLOR in the environment also turns it off)' },
  { flag: 'tmpdir', key: 'TMPDIR', kind: 'string', arg: 'dir', group: 'general', help: 'where temporary build trees go' },
  { flag: 'cachedir', key: 'CACHE_DIR', kind: 'string', arg: 'dir', group: 'general', help: 'where built static tools are cached' },
  { flag: 'clear-cachedir', key: 'CLEAR_CACHEDIR', kind: 'bool', group: 'general', help: 'drop the tool cache before building' },
  { flag: 'distdir', key: 'DISTDIR', kind: 'string', arg: 'dir', group: 'general', flagOurs: true, help: 'where the source tarballs of the static tools are read from' },
  { flag: 'cleanup', key: 'CLEANUP', kind: 'bool', group: 'general', help: 'remove the temporary directory on exit' },
  { flag: 'postclear', key: 'POSTCLEAR', kind: 'bool', group: 'general', help: 'also clear the tool cache after the run' },
  { flag: 'dry-run', key: 'DRY_RUN', kind: 'bool', group: 'general', ours: true, help: 'print the plan (modules, features, files) and write nothing' },
  // Kernel sources and configuration
  { flag: 'kerneldir', key: 'KERNEL_DIR', kind: 'string', arg: 'dir', group: 'kernel', help: 'kernel source directory' },
  { flag: 'kernel-outputdir', key: 'KERNEL_OUTPUTDIR', kind: 'string', arg: 'dir', group: 'kernel', help: "kernel build directory (make's O=)" },
  { flag: 'kernel-config', key: 'KERNEL_CONFIG', kind: 'string', arg: 'file|default', group: 'kernel', help: "kernel .config to use; 'default' starts from the running kernel's config" },
  { flag: 'default-kernel-config', key: 'DEFAULT_KERNEL_CONFIG', kind: 'string', arg: 'file', group: 'kernel', flagOurs: true, help: 'kernel config to start from when no saved or installed config matches (before the running kernel\'s)' },
  { flag: 'replace-tree-config', key: 'REPLACE_TREE_CONFIG', kind: 'bool', group: 'kernel', ours: true, help: "let the chosen kernel config replace a different .config already in the tree (kept as .config.tsgk-previous)" },
  { flag: 'kernel-version', key: 'KERNEL_VERSION', kind: 'string', arg: 'KV', group: 'kernel', ours: true, help: 'build the initramfs for this installed kernel version (no sources needed)' },
  { flag: 'kernel-modules-prefix', key: 'KERNEL_MODULES_PREFIX', kind: 'string', arg: 'dir', group: 'kernel', help: 'modules live in <prefix>/lib/modules/KV' },
  { flag: 'kernel-localversion', key: 'KERNEL_LOCALVERSION', kind: 'string', arg: 'string', group: 'kernel', help: "set CONFIG_LOCALVERSION ('UNSET' clears it)" },
  { flag: 'kernel-append-localversion', key: 'KERNEL_APPEND_LOCALVERSION', kind: 'string', arg: 'string', group: 'kernel', help: 'appended to KERNEL_LOCALVERSION (%%ARCH%% expands)' },
  { flag: 'makeopts', key: 'MAKEOPTS', kind: 'string', arg: 'opts', group: 'kernel', help: 'options for make, e.g. -j2' },
  { flag: 'nice', key: 'NICE', kind: 'int', arg: '0-19', bareValue: '10', negatedValue: '0', group: 'kernel', help: 'nice level of the kernel make' },
  { flag: 'menuconfig', key: 'MENUCONFIG', kind: 'bool', group: 'kernel', help: 'run make menuconfig after oldconfig' },
  { flag: 'nconfig', key: 'NCONFIG', kind: 'bool', group: 'kernel', help: 'run make nconfig after oldconfig' },
  { flag: 'oldconfig', key: 'OLDCONFIG', kind: 'bool', group: 'kernel', help: 'run make olddefconfig on the chosen config' },
  { flag: 'clean', key: 'CLEAN', kind: 'bool', group: 'kernel', help: 'run make clean before compiling' },
  { flag: 'mrproper', key: 'MRPROPER', kind: 'bool', group: 'kernel', help: 'run make mrproper before compiling' },
  { flag: 'save-config', key: 'SAVE_CONFIG', kind: 'bool', group: 'kernel', help: 'save the final config as /etc/kernels/kernel-config-KV' },
  { flag: 'module-rebuild', key: 'MODULEREBUILD', kind: 'bool', group: 'kernel', help: 'after modules_install, run MODULEREBUILD_CMD when the host has emerge (a clear skip when not)' },
  { flag: 'module-rebuild-cmd', key: 'MODULEREBUILD_CMD', kind: 'string', arg: 'command', group: 'kernel', help: 'the module rebuild command line' },
  { flag: 'callback', key: 'CMD_CALLBACK', kind: 'string', arg: 'command', group: 'kernel', help: 'command line run after the kernel and modules are installed (KV in its environment)' },
  // Toolchain (genkernel's Low-Level Compile settings): each set one is passed to the kernel's make as VAR=value
  { flag: 'kernel-cc', key: 'KERNEL_CC', kind: 'string', arg: 'compiler', group: 'kernel', help: "compiler for the kernel, passed as make CC= (e.g. 'distcc gcc')" },
  { flag: 'kernel-as', key: 'KERNEL_AS', kind: 'string', arg: 'assembler', group: 'kernel', help: 'assembler for the kernel (make AS=)' },
  { flag: 'kernel-ld', key: 'KERNEL_LD', kind: 'string', arg: 'linker', group: 'kernel', help: 'linker for the kernel (make LD=)' },
  { flag: 'kernel-ar', key: 'KERNEL_AR', kind: 'string', arg: 'ar', group: 'kernel', help: 'archiver for the kernel (make AR=)' },
  { flag: 'kernel-nm', key: 'KERNEL_NM', kind: 'string', arg: 'nm', group: 'kernel', help: 'nm for the kernel (make NM=)' },
  { flag: 'kernel-objcopy', key: 'KERNEL_OBJCOPY', kind: 'string', arg: 'objcopy', group: 'kernel', help: 'objcopy for the kernel (make OBJCOPY=)' },
  { flag: 'kernel-objdump', key: 'KERNEL_OBJDUMP', kind: 'string', arg: 'objdump', group: 'kernel', help: 'objdump for the kernel (make OBJDUMP=)' },
  { flag: 'kernel-ranlib', key: 'KERNEL_RANLIB', kind: 'string', arg: 'ranlib', group: 'kernel', help: 'ranlib for the kernel (make RANLIB=)' },
  { flag: 'kernel-readelf', key: 'KERNEL_READELF', kind: 'string', arg: 'readelf', group: 'kernel', help: 'readelf for the kernel (make READELF=)' },
  { flag: 'kernel-strip', key: 'KERNEL_STRIP', kind: 'string', arg: 'strip', group: 'kernel', help: 'strip for the kernel (make STRIP=, used by INSTALL_MOD_STRIP and --strip=kernel)' },
  { flag: 'kernel-make', key: 'KERNEL_MAKE', kind: 'string', arg: 'make', group: 'kernel', help: 'the make program for the kernel' },
  { flag: 'cross-compile', key: 'CROSS_COMPILE', kind: 'string', arg: 'triplet', group: 'kernel', help: 'target triplet (aarch64-linux-gnu): make CROSS_COMPILE=triplet- and ARCH= derived from it; kernel and bzImage only' },
  { flag: 'kernel-cross-compile', key: 'KERNEL_CROSS_COMPILE', kind: 'string', arg: 'triplet', group: 'kernel', help: 'the same as --cross-compile, for the kernel only (wins over it)' },
  { flag: 'kernel-target', key: 'KERNEL_MAKE_DIRECTIVE_OVERRIDE', kind: 'string', arg: 'target', group: 'kernel', help: "make target for the kernel image instead of the arch's default (bzImage)" },
  { flag: 'kernel-binary', key: 'KERNEL_BINARY_OVERRIDE', kind: 'string', arg: 'path', group: 'kernel', help: "image to install, relative to the output dir, instead of the arch's default (arch/x86/boot/bzImage)" },
  { flag: 'integrated-initramfs', key: 'INTEGRATED_INITRAMFS', kind: 'bool', group: 'kernel', help: 'all: build the initramfs into the kernel image (CONFIG_INITRAMFS_SOURCE, relinked) instead of a separate file' },
  { flag: 'strip', key: 'STRIP_TYPE', kind: 'string', arg: 'all|kernel|modules|none', choices: ['all', 'kernel', 'modules', 'none'], negatedValue: 'none', group: 'kernel', help: 'modules: installed modules (INSTALL_MOD_STRIP); kernel: the installed image when it is an ELF (a bzImage carries no symbols); all: both; none' },
  // Install
  { flag: 'bootdir', key: 'BOOTDIR', kind: 'string', arg: 'dir', group: 'install', help: 'where the kernel and initramfs are installed' },
  { flag: 'mountboot', key: 'MOUNTBOOT', kind: 'bool', group: 'install', help: 'mount the boot dir from fstab when it is not mounted' },
  { flag: 'install', key: 'INSTALL', kind: 'bool', group: 'install', help: 'install the results into the boot dir' },
  { flag: 'symlink', key: 'SYMLINK', kind: 'bool', group: 'install', help: 'maintain kernel and initramfs symlinks in the boot dir' },
  { flag: 'kernel-filename', key: 'KERNEL_FILENAME', kind: 'string', arg: 'name', group: 'install', help: 'installed kernel name (%%KV%%, %%ARCH%% expand)' },
  { flag: 'kernel-symlink-name', key: 'KERNEL_SYMLINK_NAME', kind: 'string', arg: 'name', group: 'install', help: 'kernel symlink name' },
  { flag: 'systemmap-filename', key: 'SYSTEMMAP_FILENAME', kind: 'string', arg: 'name', group: 'install', help: 'installed System.map name' },
  { flag: 'systemmap-symlink-name', key: 'SYSTEMMAP_SYMLINK_NAME', kind: 'string', arg: 'name', group: 'install', help: 'System.map symlink name (with --symlink)' },
  { flag: 'kernel-config-filename', key: 'KERNEL_CONFIG_FILENAME', kind: 'string', arg: 'name', group: 'install', help: 'name of the config saved in /etc/kernels by --save-config, and looked for there first (%%KV%%, %%ARCH%% expand)' },
  { flag: 'initramfs-filename', key: 'INITRAMFS_FILENAME', kind: 'string', arg: 'name', group: 'install', help: 'installed initramfs name (%%KV%%, %%ARCH%% expand)' },
  { flag: 'initramfs-symlink-name', key: 'INITRAMFS_SYMLINK_NAME', kind: 'string', arg: 'name', group: 'install', help: 'initramfs symlink name' },
  { flag: 'bootloader', key: 'BOOTLOADER', kind: 'string', arg: 'grub2', choices: ['no', 'grub2'], negatedValue: 'no', group: 'install', help: 'after installing the kernel, run grub-mkconfig -o BOOTDIR/grub/grub.cfg (skipped when GRUB is not installed)' },
  { flag: 'b2sum', key: 'B2SUM', kind: 'bool', group: 'install', help: 'write a FILE.b2sum (b2sum -c format) beside each installed file' },
  { flag: 'check-free-disk-space-bootdir', key: 'CHECK_FREE_DISK_SPACE_BOOTDIR', kind: 'int', arg: 'MB', group: 'install', help: 'refuse to start with less than this many MB free in the boot dir' },
  { flag: 'uki', key: 'UKI', kind: 'bool', group: 'install', ours: true, help: 'also build a unified kernel image (EFI stub, kernel, initramfs, command line) and install it on the ESP' },
  { flag: 'uki-cmdline', key: 'UKI_CMDLINE', kind: 'string', arg: 'cmdline', group: 'install', ours: true, help: "kernel command line embedded in the UKI (default: this machine's root=)" },
  { flag: 'uki-stub', key: 'UKI_STUB', kind: 'string', arg: 'file', group: 'install', ours: true, help: "systemd's EFI stub the UKI is built on (linuxx64.efi.stub)" },
  { flag: 'esp', key: 'ESP', kind: 'string', arg: 'dir', group: 'install', ours: true, help: 'EFI system partition mount point (default: /efi, /boot/efi or /boot, whichever is vfat)' },
  { flag: 'uki-sign-key', key: 'UKI_SIGN_KEY', kind: 'string', arg: 'file', group: 'install', ours: true, help: 'PEM private key that signs the UKI for Secure Boot (sbsign)' },
  { flag: 'uki-sign-cert', key: 'UKI_SIGN_CERT', kind: 'string', arg: 'file', group: 'install', ours: true, help: 'PEM certificate of --uki-sign-key' },
  // Build once, deploy to many (issue 18): archives written in-process, compressed by suffix
  { flag: 'minkernpackage', key: 'MINKERNPACKAGE', kind: 'string', arg: 'archive', group: 'install', help: 'also write the kernel image, System.map, config and initramfs into this tar (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2)' },
  { flag: 'modulespackage', key: 'MODULESPACKAGE', kind: 'string', arg: 'archive', group: 'install', help: 'also write the module tree lib/modules/KV into this tar (suffix picks the compression)' },
  { flag: 'kerncache', key: 'KERNCACHE', kind: 'string', arg: 'archive', group: 'kernel', help: 'after all/kernel, keep kernel, System.map, config and modules in this tar; --no-kernel-sources installs from it' },
  { flag: 'kernel-sources', key: 'KERNEL_SOURCES', kind: 'bool', group: 'kernel', help: 'build from the kernel sources; --no-kernel-sources takes the kernel from a valid --kerncache instead' },
  // Initramfs contents
  { flag: 'ramdisk-modules', key: 'RAMDISKMODULES', kind: 'bool', group: 'initramfs', help: 'copy the module groups into the initramfs' },
  { flag: 'all-ramdisk-modules', key: 'ALLRAMDISKMODULES', kind: 'bool', group: 'initramfs', help: 'copy every module into the initramfs' },
  { flag: 'kmod', key: 'KMOD', kind: 'bool', group: 'initramfs', ours: true, help: 'load modules with a static kmod (reads .ko.zst/.ko.xz/.ko.gz); --no-kmod uses busybox modutils' },
  { flag: 'decompress-modules', key: 'DECOMPRESS_MODULES', kind: 'bool', group: 'initramfs', ours: true, help: 'store modules decompressed in the image (compresses better as a whole)' },
  { flag: 'hostonly', key: 'HOSTONLY', kind: 'bool', group: 'initramfs', ours: true, help: "only the modules this machine's devices and root stack need" },
  { flag: 'modprobedir', key: 'MODPROBEDIR', kind: 'string', arg: 'dir', group: 'initramfs', help: "modprobe.d whose options, blacklist, softdep and install lines go into the image ('' for none)" },
  { flag: 'firmware', key: 'FIRMWARE', kind: 'bool', group: 'initramfs', help: 'include the firmware the selected modules ask for' },
  { flag: 'all-firmware', key: 'ALLFIRMWARE', kind: 'bool', group: 'initramfs', help: 'include the whole firmware directory' },
  { flag: 'firmware-dir', key: 'FIRMWARE_DIR', kind: 'string', arg: 'dir', group: 'initramfs', help: 'firmware directory' },
  { flag: 'firmware-files', key: 'FIRMWARE_FILES', kind: 'string', arg: 'f1,f2', group: 'initramfs', help: 'explicit firmware files, relative to the firmware dir' },
  { flag: 'microcode-initramfs', key: 'MICROCODE_INITRAMFS', kind: 'bool', group: 'initramfs', help: 'prepend an early microcode archive' },
  { flag: 'microcode', key: 'MICROCODE', kind: 'string', arg: 'all|amd|intel', choices: ['all', 'amd', 'intel'], negatedValue: 'none', bareValue: 'all', group: 'initramfs', help: 'which vendors the early microcode covers' },
  { flag: 'luks', key: 'LUKS', kind: 'bool', group: 'initramfs', help: 'include LUKS (cryptsetup) support' },
  { flag: 'tpm2', key: 'TPM2', kind: 'bool', group: 'initramfs', ours: true, help: 'unlock LUKS2 volumes enrolled with systemd-cryptenroll --tpm2-device by the TPM, before any prompt' },
  { flag: 'fido2', key: 'FIDO2', kind: 'bool', group: 'initramfs', ours: true, help: 'unlock LUKS2 volumes enrolled with systemd-cryptenroll --fido2-device by a FIDO2 key' },
  { flag: 'lvm', key: 'LVM', kind: 'bool', aliases: ['lvm2'], group: 'initramfs', help: 'include LVM support' },
  { flag: 'mdadm', key: 'MDADM', kind: 'bool', group: 'initramfs', help: 'include software RAID (mdadm) support' },
  { flag: 'mdadm-config', key: 'MDADM_CONFIG', kind: 'string', arg: 'file', group: 'initramfs', help: 'mdadm.conf to ship in the image' },
  { flag: 'udev', key: 'UDEV', kind: 'string', arg: 'auto|yes|no', choices: ['auto', 'yes', 'no'], bareValue: 'yes', negatedValue: 'no', group: 'initramfs', ours: true, help: "run the host's udevd in the initramfs (auto: with --luks, --lvm or --mdadm); its records of device-mapper devices go to the real root" },
  { flag: 'zfs', key: 'ZFS', kind: 'bool', group: 'initramfs', help: 'include ZFS support (tools copied from the host)' },
  { flag: 'btrfs', key: 'BTRFS', kind: 'bool', group: 'initramfs', help: 'include btrfs multi-device support' },
  { flag: 'e2fsprogs', key: 'E2FSPROGS', kind: 'bool', group: 'initramfs', help: 'include e2fsck: an ext2/3/4 root (and /usr) is checked (fsck -p) before it is mounted' },
  { flag: 'ssh', key: 'SSH', kind: 'bool', group: 'initramfs', help: 'include dropbear for remote unlock (dosshd)' },
  { flag: 'iscsi', key: 'ISCSI', kind: 'bool', group: 'initramfs', help: "include the iSCSI initiator (open-iscsi's iscsistart) for an iSCSI root (iscsi_*=)" },
  { flag: 'ssh-authorized-keys-file', key: 'SSH_AUTHORIZED_KEYS_FILE', kind: 'string', arg: 'file', group: 'initramfs', help: 'authorized_keys for the initramfs sshd' },
  { flag: 'ssh-host-keys', key: 'SSH_HOST_KEYS', kind: 'string', arg: 'create|create-from-host|runtime', choices: ['create', 'create-from-host', 'runtime'], group: 'initramfs', help: 'where the initramfs sshd host keys come from' },
  { flag: 'keymap', key: 'KEYMAP', kind: 'bool', group: 'initramfs', help: 'include console keymaps (keymap=, dokeymap); on by default as in genkernel, left out with a note on a host without kbd sources' },
  { flag: 'busybox', key: 'BUSYBOX', kind: 'bool', group: 'initramfs', help: 'include busybox' },
  // Toolchain for the static tools gkbuilds makes (busybox, kmod and its libraries); a set one changes their cache key
  { flag: 'utils-cc', key: 'UTILS_CC', kind: 'string', arg: 'compiler', group: 'initramfs', help: 'compiler for the static tools (busybox, kmod), passed as CC' },
  { flag: 'utils-cxx', key: 'UTILS_CXX', kind: 'string', arg: 'compiler', group: 'initramfs', help: 'C++ compiler for the static tools (CXX; none of today\'s recipes is C++)' },
  { flag: 'utils-cflags', key: 'UTILS_CFLAGS', kind: 'string', arg: 'flags', group: 'initramfs', help: 'CFLAGS for the static tools (default -Os)' },
  { flag: 'utils-as', key: 'UTILS_AS', kind: 'string', arg: 'as', group: 'initramfs', help: 'as for the static tools (exported and given to make as AS=)' },
  { flag: 'utils-ld', key: 'UTILS_LD', kind: 'string', arg: 'ld', group: 'initramfs', help: 'ld for the static tools (exported and given to make as LD=)' },
  { flag: 'utils-ar', key: 'UTILS_AR', kind: 'string', arg: 'ar', group: 'initramfs', help: 'ar for the static tools (exported and given to make as AR=)' },
  { flag: 'utils-nm', key: 'UTILS_NM', kind: 'string', arg: 'nm', group: 'initramfs', help: 'nm for the static tools (exported and given to make as NM=)' },
  { flag: 'utils-objcopy', key: 'UTILS_OBJCOPY', kind: 'string', arg: 'objcopy', group: 'initramfs', help: 'objcopy for the static tools (exported and given to make as OBJCOPY=)' },
  { flag: 'utils-objdump', key: 'UTILS_OBJDUMP', kind: 'string', arg: 'objdump', group: 'initramfs', help: 'objdump for the static tools (exported and given to make as OBJDUMP=)' },
  { flag: 'utils-ranlib', key: 'UTILS_RANLIB', kind: 'string', arg: 'ranlib', group: 'initramfs', help: 'ranlib for the static tools (exported and given to make as RANLIB=)' },
  { flag: 'utils-readelf', key: 'UTILS_READELF', kind: 'string', arg: 'readelf', group: 'initramfs', help: 'readelf for the static tools (exported and given to make as READELF=)' },
  { flag: 'utils-strip', key: 'UTILS_STRIP', kind: 'string', arg: 'strip', group: 'initramfs', help: 'strip for the static tools (exported and given to make as STRIP=)' },
  { flag: 'utils-make', key: 'UTILS_MAKE', kind: 'string', arg: 'make', group: 'initramfs', help: 'the make program for the static tools' },
  { flag: 'busybox-config', key: 'BUSYBOX_CONFIG', kind: 'string', arg: 'file', group: 'initramfs', help: 'busybox .config to build with' },
  { flag: 'linuxrc', key: 'LINUXRC', kind: 'string', arg: 'file', group: 'initramfs', help: 'use this file as /init' },
  { flag: 'initramfs-overlay', key: 'INITRAMFS_OVERLAY', kind: 'string', arg: 'dir', group: 'initramfs', help: 'directory added last, overriding what is there' },
  { flag: 'compress-initramfs', key: 'COMPRESS_INITRD', kind: 'bool', aliases: ['compress-initrd'], group: 'initramfs', help: 'compress the initramfs' },
  { flag: 'compress-initramfs-type', key: 'COMPRESS_INITRD_TYPE', kind: 'string', arg: 'type', aliases: ['compress-initrd-type'], choices: ['best', 'fastest', 'zstd', 'xz', 'lzma', 'gzip', 'bzip2', 'lz4', 'lzo'], group: 'initramfs', help: 'compressor: best, fastest, zstd, xz, lzma, gzip, bzip2, lz4, lzo' },
  { flag: 'compress-level', key: 'COMPRESS_LEVEL', kind: 'int', arg: 'n', group: 'initramfs', ours: true, help: "compressor level (0 = the compressor's default from the Performance table)" },
  { flag: 'real-root', key: 'REAL_ROOT', kind: 'string', arg: 'dev', group: 'initramfs', help: 'default for real_root= baked into the image' },
] as const satisfies readonly OptionSpec[];

type ValueOfKind = { bool: boolean; string: string; int: number };
export type OptionKey = (typeof OPTION_TABLE)[number]['key'];
/** Every setting, typed by its kind. Keys are genkernel.conf names. */
export type Settings = { [O in (typeof OPTION_TABLE)[number] as O['key']]: ValueOfKind[O['kind']] };

export function optionByKey(key: string): OptionSpec | undefined {
  return (OPTION_TABLE as readonly OptionSpec[]).find((o) => o.key === key);
}
