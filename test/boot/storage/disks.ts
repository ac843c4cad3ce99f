/**
 * The storage scenarios' disks, prepared inside a QEMU guest (the host has no device-mapper,
 * md or loop devices to spare) by a "preparer" initramfs: Debian's kernel, host tools copied
 * with their library closure (src/elf), and prepare.sh as /init. The disks are cached under
 * the boot fixture's dir, keyed by everything that shapes them (prepare.sh, this file's
 * layout, the root disk's init, the kernel); an empty cache just prepares them again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INITRAMFS_LVM_CONF } from '../../../src/features/lvm.js';
import { PREPARER_LIB_SH, preparerImage, writePreparer } from '../preparer-image.js';
import { bootImage } from '../qemu.js';
import { ROOT_DISK_INIT, type BootFixture } from '../fixture.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PREPARE_SCRIPT = join(HERE, 'prepare.sh');
/** The start every preparer /init shares (fail, step, early mounts, /prepare.env). */

/** Everything the scenarios need to know about the prepared disks. */
export const STORAGE = {
  passphrase: 'tsgk correct horse',
  keyfileText: 'tsgk-key-file-0123456789abcdef0123456789abcdef',
  keyfilePath: '/keys/root.key',
  keyLabel: 'tsgkkeys',
  luksLabel: 'tsgkcrypt',
  luksUuid: '7d1f3c55-8e2a-4b6c-9d0e-1f2a3b4c5d6e',
  lvmVg: 'tsgkvg',
  lvmLuksLabel: 'tsgkcryptlvm',
  lvmLuksUuid: '2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809',
  lvmLuksVg: 'tsgkcvg',
  /** The name the LVM-on-LUKS root's /etc/crypttab gives its container (Debian's installer style). */
  lvmLuksCrypttabName: 'vdd_crypt',
  raidName: 'tsgkraid',
  raidUuid: 'd1c2b3a4:e5f60718:293a4b5c:6d7e8f90',
  raidFsUuid: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  btrfsUuid: '9f8e7d6c-5b4a-4938-8271-605f4e3d2c1b',
  btrfsSubvol: '@root',
} as const;

/** Disk name -> size in MiB, attached to the preparer in this order (vda, vdb, ...). */
const LAYOUT = {
  luks: 48,
  key: 8,
  lvm: 24,
  lvmluks: 48,
  raidA: 24,
  raidB: 24,
  btrfsA: 160,
  btrfsB: 160,
} as const;
export type DiskName = keyof typeof LAYOUT;
export type StorageDisks = Record<DiskName, string>;

const NAMES = Object.keys(LAYOUT) as DiskName[];
const devOf = (name: DiskName) => `vd${String.fromCharCode(97 + NAMES.indexOf(name))}`;

/** /prepare.env: the shared values as shell assignments (all are plain words, quoted anyway). */
function prepareEnv(): string {
  const v: Record<string, string> = {
    PASSPHRASE: STORAGE.passphrase,
    KEYFILE_TEXT: STORAGE.keyfileText,
    KEYFILE_PATH: STORAGE.keyfilePath,
    KEY_LABEL: STORAGE.keyLabel,
    LUKS_DISK: devOf('luks'),
    LUKS_LABEL: STORAGE.luksLabel,
    LUKS_UUID: STORAGE.luksUuid,
    KEY_DISK: devOf('key'),
    LVM_DISK: devOf('lvm'),
    LVM_VG: STORAGE.lvmVg,
    LVMLUKS_DISK: devOf('lvmluks'),
    LVMLUKS_LABEL: STORAGE.lvmLuksLabel,
    LVMLUKS_UUID: STORAGE.lvmLuksUuid,
    LVMLUKS_VG: STORAGE.lvmLuksVg,
    LVMLUKS_CRYPTTAB_NAME: STORAGE.lvmLuksCrypttabName,
    RAID_DISK_A: devOf('raidA'),
    RAID_DISK_B: devOf('raidB'),
    RAID_NAME: STORAGE.raidName,
    RAID_UUID: STORAGE.raidUuid,
    RAID_FS_UUID: STORAGE.raidFsUuid,
    BTRFS_DISK_A: devOf('btrfsA'),
    BTRFS_DISK_B: devOf('btrfsB'),
    BTRFS_UUID: STORAGE.btrfsUuid,
    BTRFS_SUBVOL: STORAGE.btrfsSubvol,
    LAST_DISK: devOf(NAMES[NAMES.length - 1]!),
  };
  return Object.entries(v)
    .map(([k, val]) => `${k}='${val}'`)
    .join('\n') + '\n';
}

/** Host tools the preparer runs, at their image paths. */
const PREPARER_TOOLS: Array<[string, string]> = [
  ['/bin/kmod', 'sbin/modprobe'],
  ['/sbin/cryptsetup', 'sbin/cryptsetup'],
  ['/sbin/lvm', 'sbin/lvm'],
  ['/sbin/mdadm', 'sbin/mdadm'],
  ['/sbin/mke2fs', 'sbin/mke2fs'],
  ['/sbin/mkfs.btrfs', 'sbin/mkfs.btrfs'],
  ['/bin/btrfs', 'sbin/btrfs'],
];
const PREPARER_MODULES = ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4', 'dm_mod', 'dm_crypt', 'xts', 'af_alg', 'algif_skcipher', 'algif_hash', 'md_mod', 'raid1', 'btrfs'];

/** What a preparer guest is made of: its /init, /prepare.env, host tools and modules. */
export interface PreparerSpec {
  script: string;
  env: string;
  tools: ReadonlyArray<readonly [string, string]>;
  modules: readonly string[];
}

/** A preparer initramfs (test/boot/preparer-image.ts) plus what the storage scenarios add: lvm.conf and the root content. */
export async function buildPreparerImage(fx: BootFixture, dest: string, spec: PreparerSpec): Promise<void> {
  const image = await preparerImage({ kv: fx.kv, ...spec });
  image.addFile('etc/lvm/lvm.conf', Buffer.from(INITRAMFS_LVM_CONF));
  // The root content every scenario's filesystem gets: the boot fixture's root disk, as files.
  for (const d of ['bin', 'sbin', 'proc', 'sys', 'dev', 'run', 'tmp']) image.ensureDir(`rootfs/${d}`);
  image.addFile('rootfs/bin/busybox', '/bin/busybox', 0o755);
  image.addFile('rootfs/sbin/init', ROOT_DISK_INIT, 0o755);
  await writePreparer(image, dest);
}

const STORAGE_SPEC: PreparerSpec = { script: PREPARE_SCRIPT, env: prepareEnv(), tools: PREPARER_TOOLS, modules: PREPARER_MODULES };

export interface PreparedDisks<N extends string = DiskName> {
  disks: Record<N, string>;
  /** False when taken from the cache. */
  prepared: boolean;
  ms: number;
}

/**
 * A set of disks laid out by a preparer guest (disk name -> MiB, attached in that order), cached
 * under the fixture's dir by everything that shapes them (script, env, layout, the root disk's
 * init, the kernel); made in one QEMU run when missing.
 */
export async function preparedDisks<N extends string>(fx: BootFixture, cacheName: string, layout: Readonly<Record<N, number>>, spec: PreparerSpec): Promise<PreparedDisks<N>> {
  const started = performance.now();
  const names = Object.keys(layout) as N[];
  const h = createHash('sha256');
  h.update(readFileSync(spec.script));
  h.update(readFileSync(PREPARER_LIB_SH));
  h.update(spec.env);
  h.update(JSON.stringify(layout));
  h.update(readFileSync(ROOT_DISK_INIT));
  h.update(fx.kv);
  const dir = join(fx.scratch, '..', cacheName, h.digest('hex').slice(0, 16));
  const disks = Object.fromEntries(names.map((n) => [n, join(dir, `${n}.img`)])) as Record<N, string>;
  if (existsSync(join(dir, 'complete'))) return { disks, prepared: false, ms: Math.round(performance.now() - started) };
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const preparer = join(work, 'preparer.cpio');
  await buildPreparerImage(fx, preparer, spec);
  const files = names.map((n) => join(work, `${n}.img`));
  names.forEach((n, i) => {
    writeFileSync(files[i]!, '');
    truncateSync(files[i]!, layout[n] * 1024 * 1024);
  });
  const r = await bootImage({
    kernel: fx.kernel,
    initramfs: preparer,
    append: 'quiet',
    extraArgs: files.flatMap((f) => ['-drive', `file=${f},if=virtio,format=raw`]),
    timeoutMs: 300_000,
  });
  writeFileSync(join(work, 'prepare.log'), r.output);
  if (!r.output.includes('TSGK-PREPARED') || r.output.includes('TSGK-PREPARE-FAILED')) {
    const tail = r.output.split(/\r?\n/).slice(-40).join('\n');
    throw new Error(`disk preparation failed (log: ${join(work, 'prepare.log')}):\n${tail}`);
  }
  rmSync(preparer);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(work, dir);
  writeFileSync(join(dir, 'complete'), `${new Date().toISOString()} ${r.totalMs} ms\n`);
  return { disks, prepared: true, ms: Math.round(performance.now() - started) };
}

/** The storage scenarios' disks, from the cache or made now (about a minute under TCG). */
export function storageDisks(fx: BootFixture): Promise<PreparedDisks> {
  return preparedDisks(fx, 'storage-disks', LAYOUT, STORAGE_SPEC);
}

/** mdadm.conf naming the prepared RAID1 as /dev/md0, for --mdadm-config. */
export function mdadmConf(): string {
  return `ARRAY /dev/md0 metadata=1.2 UUID=${STORAGE.raidUuid}\n`;
}
