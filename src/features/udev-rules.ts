import { posix } from 'node:path';

/**
 * The udev rules the initramfs carries, and the check that makes every program a rule calls
 * exist in the image.
 *
 * Only storage and driver rules go in: device nodes and their properties (50-udev-default),
 * module loading by modalias (80-drivers), firmware, the persistent /dev/disk/by-* links, and
 * the device-mapper, LVM, md and btrfs rules whose records the real system's udev reads back
 * after switch_root. Each entry lists the names distributions give it (Debian's lvm2 ships the
 * dm rules as 55-dm/56-lvm/60-persistent-storage-dm, Gentoo's as 10-dm/11-dm-lvm/13-dm-disk).
 *
 * Left out on purpose: 69-lvm.rules and 64-md-raid-assembly.rules activate volume groups and
 * assemble arrays on their own as devices appear (through systemd-run, or mdadm --incremental).
 * In this initramfs activation is explicit, as genkernel's dolvm/domdadm say, and done once by
 * the fragments; two activators racing for the same devices is what the fragments avoid.
 */
export interface RuleChoice {
  /** File names, any of which the host may have. */
  readonly names: readonly string[];
  /** Why the image needs it. */
  readonly why: string;
  /** Only when the image has device-mapper (LUKS or LVM), md, or btrfs. */
  readonly when?: 'dm' | 'lvm' | 'md' | 'btrfs';
}

export const UDEV_RULES: readonly RuleChoice[] = [
  { names: ['50-udev-default.rules'], why: 'device properties and node modes' },
  { names: ['50-firmware.rules'], why: 'firmware requests the kernel hands to user space' },
  { names: ['60-block.rules'], why: 'block device change events' },
  { names: ['60-persistent-storage.rules'], why: '/dev/disk/by-uuid, by-label, by-partuuid, by-id' },
  { names: ['80-drivers.rules'], why: 'modules for the devices present (kmod builtin)' },
  { names: ['55-dm.rules', '10-dm.rules'], why: 'device-mapper names, /dev/mapper links, udev sync flags', when: 'dm' },
  { names: ['60-persistent-storage-dm.rules', '13-dm-disk.rules'], why: 'by-uuid/by-label of device-mapper devices', when: 'dm' },
  { names: ['95-dm-notify.rules'], why: 'tells libdevmapper its udev work is done (cookies)', when: 'dm' },
  { names: ['56-lvm.rules', '11-dm-lvm.rules'], why: '/dev/VG/LV links, LVM flags', when: 'lvm' },
  { names: ['63-md-raid-arrays.rules'], why: 'md array properties and links', when: 'md' },
  { names: ['64-btrfs.rules'], why: 'btrfs multi-device readiness', when: 'btrfs' },
];

/** A rule file after the check: its text for the image, and what had to change. */
export interface CheckedRules {
  text: string;
  /** "old -> new" for each program path rewritten to where the image has it. */
  rewritten: string[];
  /** Program paths the image lacks: their lines were left out. */
  dropped: string[];
}

/** The program of RUN=/RUN+=, RUN{program}, PROGRAM= and IMPORT{program}= (builtins are not programs). */
const PROGRAM_KEY = /\b(RUN(?:\{program\})?|PROGRAM|IMPORT\{program\})\s*(\+?=|:=)\s*"([^"]*)"/g;

/**
 * Checks every program a rule file calls against the image: an absolute path must exist there;
 * one that does not but whose name the image has in another bin directory is rewritten to that
 * path (/usr/bin/basename -> /bin/basename); otherwise the line is left out, since udev would
 * only log a failure for it. A relative name (ata_id) is looked up in `helperDir`, as udev does.
 * A program given by a variable ($env{REMOVE_CMD}) cannot be checked and stays.
 */
export function checkRulePrograms(text: string, has: (imagePath: string) => boolean, helperDir: string, binDirs: readonly string[]): CheckedRules {
  const rewritten: string[] = [];
  const dropped: string[] = [];
  const out: string[] = [];
  // One rule may span lines ending in a backslash: it is kept or left out whole.
  for (const rule of text.split(/(?<!\\)\n/)) {
    if (/^\s*#/.test(rule)) {
      out.push(rule);
      continue;
    }
    let missing: string | undefined;
    const fixed = rule.replace(PROGRAM_KEY, (whole, _key: string, _op: string, command: string) => {
      const program = command.trim().split(/\s+/)[0] ?? '';
      if (program === '' || program.startsWith('$')) return whole;
      const inImage = program.startsWith('/') ? program : posix.join('/', helperDir, program);
      if (has(inImage)) return whole;
      const other = program.startsWith('/') ? binDirs.map((d) => posix.join('/', d, posix.basename(program))).find(has) : undefined;
      if (other) {
        rewritten.push(`${program} -> ${other}`);
        return whole.replace(program, other);
      }
      missing ??= program;
      return whole;
    });
    if (missing === undefined) out.push(fixed);
    else {
      dropped.push(missing);
      out.push(`# tsgenkernel: rule left out, ${missing} is not in this initramfs`);
    }
  }
  return { text: out.join('\n'), rewritten, dropped };
}
