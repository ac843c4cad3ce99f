import { readFile, realpath, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { BuildContext } from '../context.js';
import type { Feature } from './feature.js';
import { addBootFragment, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { findHostTool } from '../path-lookup.js';
import { GkError } from '../errors.js';
import { UDEV_RULES, checkRulePrograms, type RuleChoice } from './udev-rules.js';

/**
 * udev in the initramfs (issue 20): systemd-udevd loads the drivers (its kmod builtin, the
 * host's libkmod, which reads .ko.zst), makes the /dev/disk/by-* and /dev/mapper links, and
 * runs the device-mapper rules while LUKS and LVM devices are created. Its database under
 * /run/udev goes into the real root with /run, so the real system's udev sees those devices
 * as properly activated (55-dm.rules reads DM_UDEV_PRIMARY_SOURCE_FLAG back from it) instead
 * of DM_UDEV_DISABLE_OTHER_RULES_FLAG=1 and a 90 s wait for devices systemd never marks ready.
 *
 * Why the host's udevd with its library closure and not an eudev built static by gkbuilds:
 *   - its rules and database format are the ones the real system's udev reads after
 *     switch_root (the same version, the same package); an eudev of another vintage writes
 *     records the real udev may read differently;
 *   - its kmod builtin is the host libkmod, which the module-compression check already proved
 *     reads this kernel's modules (Debian's libkmod has zstd and xz);
 *   - measured (README "udev in the initramfs"): +0.62 MiB on a zstd image that already carries
 *     cryptsetup and lvm (libc, libblkid, libselinux, libcrypto are shared), +4.1 MiB on the
 *     generic image (13.5 -> 17.6 MiB), which is why UDEV=auto keeps images without
 *     device-mapper or md on the modalias pass;
 *   - eudev would need static libblkid, libkmod and libselinux builds of its own, and it is not
 *     in Debian 12's archive, so there is no distfile to build it from here.
 * A host without udevd (or with eudev's udevd, which takes the same options) is handled: eudev's
 * `udevd` is taken when there is no systemd-udevd; UDEV=auto then leaves udev out with a note.
 */

/** Where systemd installs udevd, newest layout last; then eudev's udevd on PATH. */
const SYSTEMD_UDEVD = ['/lib/systemd/systemd-udevd', '/usr/lib/systemd/systemd-udevd'];
/** udev looks for rule helpers (ata_id, scsi_id) and rules here; the image keeps both under /lib/udev. */
export const IMAGE_UDEV_DIR = 'lib/udev';
const IMAGE_RULES_DIR = `${IMAGE_UDEV_DIR}/rules.d`;
/** Rule helpers worth their few KiB: by-id links of SCSI/SATA disks. */
const RULE_HELPERS = ['ata_id', 'scsi_id'];
/** Where rules find tools whose path the image moved (busybox applets, /sbin tools). */
const BIN_DIRS = ['sbin', 'bin', 'usr/sbin', 'usr/bin'];
/** Host dirs holding the rules the distribution ships (the first with a given name wins). */
const HOST_RULE_DIRS = ['/lib/udev/rules.d', '/usr/lib/udev/rules.d'];

/** UDEV=yes, or UDEV=auto with storage whose udev records the real system needs. */
export function udevWanted(ctx: BuildContext): boolean {
  const v = ctx.settings.UDEV;
  if (v === 'yes') return true;
  if (v === 'no') return false;
  return udevStorage(ctx.settings).length > 0;
}

/** The storage stacks that turn UDEV=auto on. */
export function udevStorage(s: Pick<BuildContext['settings'], 'LUKS' | 'LVM' | 'MDADM'>): string[] {
  return [s.LUKS && 'luks', s.LVM && 'lvm', s.MDADM && 'mdadm'].filter((x): x is string => typeof x === 'string');
}

export const udevBoot: BootFragment = {
  file: '05-udev.sh',
  conf: () => ({
    UDEV_DAEMON: '/lib/systemd/systemd-udevd',
    UDEVADM: '/bin/udevadm',
    UDEV_CONTROL: '/run/udev/control',
    // The database the real root's udev reads back (it moves there with /run).
    UDEV_DB: '/run/udev/data',
    // A rules file here replaces the one of the same name in /lib/udev/rules.d (nomodules).
    UDEV_RUN_RULES: '/run/udev/rules.d',
    UDEV_DRIVER_RULES: '80-drivers.rules',
    UDEV_LOG: '/run/initramfs/udevd.log',
    // Bound of the first settle; the root wait that follows has its own bound.
    UDEV_SETTLE_TIMEOUT: '10',
  }),
};

interface UdevHost {
  udevd: string;
  udevadm: string;
}

async function findUdev(toolPath?: readonly string[]): Promise<UdevHost | undefined> {
  const udevadm = await findHostTool('udevadm', toolPath);
  if (!udevadm) return undefined;
  for (const p of toolPath ? [] : SYSTEMD_UDEVD) {
    if ((await stat(p).catch(() => undefined))?.isFile()) return { udevd: p, udevadm };
  }
  const udevd = (await findHostTool('systemd-udevd', toolPath)) ?? (await findHostTool('udevd', toolPath));
  return udevd ? { udevd, udevadm } : undefined;
}

function ruleApplies(rule: RuleChoice, s: BuildContext['settings']): boolean {
  switch (rule.when) {
    case undefined:
      return true;
    case 'dm':
      return s.LUKS || s.LVM;
    case 'lvm':
      return s.LVM;
    case 'md':
      return s.MDADM || s.MDADM_CONFIG !== '';
    case 'btrfs':
      return s.BTRFS;
  }
}

async function readHostRule(names: readonly string[], dirs: readonly string[]): Promise<{ name: string; text: string } | undefined> {
  for (const dir of dirs) {
    for (const name of names) {
      const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
      if (text !== undefined) return { name, text };
    }
  }
  return undefined;
}

export interface UdevFeatureOptions {
  toolPath?: readonly string[];
  ruleDirs?: readonly string[];
  helperDirs?: readonly string[];
}

export function createUdevFeature(opts: UdevFeatureOptions = {}): Feature {
  return {
    name: 'udev',
    enabled: udevWanted,
    async install(ctx, image) {
      const host = await findUdev(opts.toolPath);
      if (!host) {
        if (ctx.settings.UDEV === 'yes') {
          throw new GkError('--udev needs udevadm and systemd-udevd (or eudev\'s udevd), which this host does not have', 'install udev (Debian: udev; Gentoo: sys-apps/systemd-utils[udev]), or build with --no-udev');
        }
        ctx.log.warn(`udev: this host has no udevd; the image loads drivers by modalias and ${udevStorage(ctx.settings).join('/')} devices are created without udev records`);
        return;
      }
      const conf = udevBoot.conf();
      const daemon = String(conf.UDEV_DAEMON).slice(1);
      const udevadm = String(conf.UDEVADM).slice(1);
      await addHostBinary(image, host.udevadm, udevadm);
      // systemd's udevd is udevadm under another name (one binary, picked by argv[0]).
      if ((await realpath(host.udevd)) === (await realpath(host.udevadm))) image.addSymlink(daemon, posix.relative(posix.dirname(daemon), udevadm));
      else await addHostBinary(image, host.udevd, daemon);
      // The rules call /sbin/dmsetup for every device-mapper event (cookies, names).
      if ((ctx.settings.LUKS || ctx.settings.LVM) && !image.has('sbin/dmsetup')) {
        const dmsetup = await findHostTool('dmsetup', opts.toolPath);
        if (!dmsetup) throw new GkError('udev with device-mapper needs dmsetup, which this host does not have', 'install dmsetup, or build with --no-udev');
        await addHostBinary(image, dmsetup, 'sbin/dmsetup');
      }
      for (const helper of RULE_HELPERS) {
        for (const dir of opts.helperDirs ?? ['/lib/udev', '/usr/lib/udev']) {
          const p = join(dir, helper);
          if (!(await stat(p).catch(() => undefined))?.isFile()) continue;
          await addHostBinary(image, p, `${IMAGE_UDEV_DIR}/${helper}`);
          break;
        }
      }
      const has = (p: string) => image.has(p.replace(/^\/+/, ''));
      const carried: string[] = [];
      for (const rule of UDEV_RULES.filter((r) => ruleApplies(r, ctx.settings))) {
        const found = await readHostRule(rule.names, opts.ruleDirs ?? HOST_RULE_DIRS);
        if (!found) {
          ctx.log.debug(`udev: no ${rule.names.join(' or ')} on this host (${rule.why})`);
          continue;
        }
        const checked = checkRulePrograms(found.text, has, IMAGE_UDEV_DIR, BIN_DIRS);
        for (const r of checked.rewritten) ctx.log.debug(`udev: ${found.name}: ${r}`);
        for (const d of checked.dropped) ctx.log.debug(`udev: ${found.name}: a rule calling ${d} left out (not in the image)`);
        image.addFile(`${IMAGE_RULES_DIR}/${found.name}`, Buffer.from(checked.text), 0o644);
        carried.push(found.name);
      }
      // A udevd built for /usr/lib/udev finds the same files.
      if (!image.has('usr/lib/udev')) image.addSymlink('usr/lib/udev', '../../lib/udev');
      ctx.log.debug(`udev: ${host.udevd} with ${carried.length} rule files: ${carried.join(' ')}`);
      addBootFragment(image, udevBoot);
    },
    boot: udevBoot,
  };
}

export const udevFeature = createUdevFeature();
