import type { BuildContext } from '../context.js';
import type { Feature } from './feature.js';
import { kmodFeature } from './kmod.js';
import { busyboxFeature } from './busybox.js';
import { mdadmFeature } from './mdadm.js';
import { luksFeature } from './luks.js';
import { lvmFeature } from './lvm.js';
import { btrfsFeature } from './btrfs.js';
import { e2fsprogsFeature } from './e2fsprogs.js';
import { zfsFeature } from './zfs.js';
import { firmwareFeature } from './firmware.js';
import { keymapFeature } from './keymap.js';
import { sshFeature } from './ssh.js';
import { iscsiFeature } from './iscsi.js';
import { tpm2Feature, fido2Feature } from './tpm2.js';
import { udevFeature } from './udev.js';

/**
 * Every initramfs feature, in install order. Order matters only where two features could put a
 * file at the same path: the later one wins, so kmod (whose /sbin/modprobe must be the real one)
 * is installed after busybox's applet links, and udev comes last: its rules are checked against
 * the tools the other features put in.
 */
export const FEATURES: readonly Feature[] = [busyboxFeature, kmodFeature, mdadmFeature, luksFeature, tpm2Feature, fido2Feature, lvmFeature, btrfsFeature, e2fsprogsFeature, zfsFeature, firmwareFeature, keymapFeature, sshFeature, iscsiFeature, udevFeature];

export function enabledFeatures(ctx: BuildContext): Feature[] {
  return FEATURES.filter((f) => f.enabled(ctx));
}
