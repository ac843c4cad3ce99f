import { OPTION_TABLE, type OptionKey, type OptionSpec } from './option-table.js';

/**
 * Every genkernel 4.3.17 option and genkernel.conf key that is not a row of OPTION_TABLE, each
 * with its status. Together with the table's own rows (status "works") this accounts for all of
 * genkernel's settings (its gen_cmdline.sh and genkernel.conf are the reference), so a genkernel
 * user's setting is either honoured, or reported as a genkernel feature not offered (with why),
 * which is a different message from the one for a key nobody knows (a typo).
 */
export type GenkernelStatus = 'works' | 'not offered';

export interface GenkernelOnlySpec {
  /** genkernel.conf key; absent for a flag genkernel has no conf key for. */
  readonly key?: string;
  /** genkernel's long flags without dashes; a bool gets its --no- form too. */
  readonly flags?: readonly string[];
  readonly kind: 'bool' | 'string';
  readonly status: GenkernelStatus;
  /** What it does here (works) or why it is not offered, and the way to get the effect. */
  readonly note: string;
  /** Values meaning "feature off" (or '*': the value never matters): setting them warns nobody. */
  readonly inert?: readonly string[];
  /** For a conf-only key that works: the table setting it feeds. */
  readonly feeds?: { readonly key: OptionKey; readonly invert?: boolean; readonly onlyAsDefault?: boolean };
}

const OFF = ['no', 'n', 'false', '0', 'off', ''];
const notOffered = (key: string | undefined, flags: string[], kind: 'bool' | 'string', note: string, inert: readonly string[] = OFF): GenkernelOnlySpec => ({
  ...(key ? { key } : {}),
  flags,
  kind,
  status: 'not offered',
  note,
  inert,
});

export const GENKERNEL_ONLY: readonly GenkernelOnlySpec[] = [
  // Conf-only keys that keep their genkernel meaning.
  { key: 'NOCOLOR', kind: 'bool', status: 'works', note: 'true turns colour off (the inverse of USECOLOR / --color)', feeds: { key: 'USECOLOR', invert: true } },
  { key: 'GK_SHARE', kind: 'string', status: 'works', note: 'read so that later values can expand ${GK_SHARE} (the environment may set it); tsgenkernel has no share dir of genkernel\'s', inert: ['*'] },
  { key: 'DEFAULT_KERNEL_SOURCE', kind: 'string', status: 'works', note: 'the kernel source dir when neither --kerneldir nor KERNEL_DIR is given', feeds: { key: 'KERNEL_DIR', onlyAsDefault: true } },
  // Kernel configuration front-ends and option bundles.
  notOffered('GCONFIG', ['gconfig'], 'bool', 'GTK front-end; use --menuconfig or --nconfig'),
  notOffered('XCONFIG', ['xconfig'], 'bool', 'Qt front-end; use --menuconfig or --nconfig'),
  notOffered('HYPERV', ['hyperv'], 'bool', 'a bundle of kernel options; set CONFIG_HYPERV* in your kernel config'),
  notOffered('VIRTIO', ['virtio'], 'bool', 'a bundle of kernel options; set CONFIG_VIRTIO* in your kernel config (the virtio modules are in the shipped module groups)'),
  notOffered('BUILD_STATIC', ['static'], 'bool', 'set the options you need to =y in your kernel config and use --no-ramdisk-modules'),
  notOffered('CHECK_FREE_DISK_SPACE_KERNELOUTPUTDIR', ['check-free-disk-space-kerneloutputdir'], 'string', 'not checked up front; make stops on a full disk and nothing is installed', ['', '0']),
  // Toolchain: KERNEL_<tool> with a flag are table rows; these two have no kernel make variable.
  notOffered('KERNEL_CXX', [], 'string', 'the kernel is C: its make takes no C++ compiler (HOSTCXX for host tools is left to make)', ['', 'g++']),
  notOffered('KERNEL_CFLAGS', [], 'string', "not passed to the kernel's make; put KCFLAGS=... into MAKEOPTS", ['']),
  notOffered('CHOST', [], 'string', 'use --cross-compile=TRIPLET for the kernel; the initramfs tools are built for this machine', ['']),
  // Steps around the build.
  notOffered('SANDBOX', ['sandbox'], 'bool', "tsgenkernel runs no ebuild-style builds under Portage's sandbox; nothing to turn on or off", ['*']),
  notOffered('FIRMWARE_INSTALL', ['firmware-install'], 'bool', 'kernels since 4.14 have no firmware_install; install sys-kernel/linux-firmware'),
  notOffered('WRAP_INITRD', ['wrap-initrd'], 'bool', 'u-boot images: run mkimage on the installed initramfs'),
  notOffered('GENZIMAGE', ['genzimage'], 'bool', 'PowerPC kernelz images; tsgenkernel builds for x86_64'),
  // Initramfs features genkernel has and tsgenkernel does not.
  notOffered('BCACHE', ['bcache'], 'bool', 'no bcache tools in the image; the bcache module still loads by alias'),
  notOffered('DMRAID', ['dmraid'], 'bool', 'dmraid is unmaintained; use --mdadm (it assembles IMSM/DDF fake-RAID too)'),
  notOffered('MULTIPATH', ['multipath'], 'bool', 'no multipath tools in the image'),
  notOffered('NFS', ['nfs'], 'bool', 'no NFS root'),
  notOffered('NETBOOT', ['netboot'], 'bool', 'no self-contained netboot image'),
  notOffered('UNIONFS', ['unionfs'], 'bool', 'no unionfs/overlay root'),
  notOffered('GPG', ['gpg'], 'bool', 'no GnuPG-armoured LUKS keys; use a plain key file with root_key='),
  notOffered('KEYCTL', ['keyctl'], 'bool', 'the LUKS passphrase is not put into a kernel keyring'),
  notOffered('XFSPROGS', ['xfsprogs'], 'bool', 'no xfs tools in the image; the real root checks its file systems'),
  notOffered('STRACE', ['strace'], 'bool', 'no strace in the image'),
  notOffered('SPLASH', ['splash', 'gensplash'], 'bool', 'splashutils is gone from Gentoo'),
  notOffered('SPLASH_THEME', [], 'string', 'splashutils is gone from Gentoo', ['*']),
  notOffered('SPLASH_RES', ['splash-res', 'gensplash-res'], 'string', 'splashutils is gone from Gentoo', ['']),
  notOffered('PLYMOUTH', ['plymouth'], 'bool', 'no plymouth in the image'),
  notOffered('PLYMOUTH_THEME', ['plymouth-theme'], 'string', 'no plymouth in the image', ['*']),
  notOffered('BOOTFONT', ['boot-font'], 'string', 'no console font in the image', ['', 'none']),
  notOffered('BOOTCONFIG', ['bootconfig'], 'string', 'no kernel bootconfig appended; pass parameters on the kernel command line', ['', 'no', 'none']),
  notOffered('DOKEYMAPAUTO', ['do-keymap-auto'], 'bool', 'not baked in: add dokeymap to the kernel command line (--keymap ships the keymaps)'),
];

const TABLE = OPTION_TABLE as readonly OptionSpec[];

/** genkernel.conf keys and flags that are ours only (not genkernel's), for the status table. */
export function isGenkernelOption(spec: OptionSpec): boolean {
  return !spec.ours;
}

export function genkernelOnlyByKey(key: string): GenkernelOnlySpec | undefined {
  return GENKERNEL_ONLY.find((g) => g.key === key);
}

/** Is this value one that asks for nothing (the feature off, or a value that never matters)? */
export function isInert(spec: GenkernelOnlySpec, value: string | boolean): boolean {
  if (spec.status === 'works' || !spec.inert) return true;
  if (spec.inert.includes('*')) return true;
  const v = typeof value === 'boolean' ? (value ? 'yes' : 'no') : value.toLowerCase();
  return spec.inert.includes(v);
}

/** The one-line warning for a genkernel setting this tool does not offer. */
export function notOfferedWarning(where: string, spec: GenkernelOnlySpec, shown: string): string {
  return `${where}: ${shown}: genkernel feature not offered by tsgenkernel (${spec.note}); ignored`;
}

/** Every key a conf may set (the table's and genkernel's), for "did you mean". */
export function knownConfKeys(): string[] {
  return [...TABLE.map((o) => o.key), ...GENKERNEL_ONLY.flatMap((g) => (g.key ? [g.key] : []))];
}

/** The closest known key to a misspelt one, when it is close enough to be a plausible typo. */
export function closestKey(key: string, known: readonly string[] = knownConfKeys()): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key.toUpperCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
