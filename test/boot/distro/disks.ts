/**
 * The Debian systems' disks (test/boot/distro): partition tables written on the host with
 * sfdisk (it works on plain files), the rest filled inside a QEMU "preparer" (prepare.sh:
 * LUKS, LVM and md need the kernel's device-mapper and md). Each root is the debootstrapped
 * tree (debian-root.ts) plus its scenario's files: the installer's fstab and crypttab, an
 * mdadm.conf, and the sentinel unit that reports the boot. Cached beside the boot fixture,
 * keyed by everything that shapes them; made in a private directory and renamed into place.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { INITRAMFS_LVM_CONF } from '../../../src/features/lvm.js';
import { preparerImage, prepareEnvText, writePreparer, PREPARER_LIB_SH } from '../preparer-image.js';
import { bootImage } from '../qemu.js';
import { buildOnceAsync, REPO, type BootFixture } from '../fixture.js';
import { debianRoot } from './debian-root.js';

// From the repository (the .sh and unit files are not copied into dist/ for the bench).
const HERE = join(REPO, 'test', 'boot', 'distro');
const PREPARE_SCRIPT = join(HERE, 'prepare.sh');
const SENTINEL_SCRIPT = join(HERE, 'root', 'tsgk-sentinel');
const SENTINEL_UNIT = join(HERE, 'root', 'tsgk-sentinel.service');

/** The disks' fixed identities: what the boot parameters, fstab and crypttab name. */
export const DISTRO = {
  passphrase: 'tsgk debian horse',
  /** argon2id, as cryptsetup's LUKS2 default, with a cost TCG unlocks in seconds. */
  kdfMemoryKiB: 32768,
  kdfIterations: 4,
  luksUuid: '6c1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
  /** What the installer calls the container: the partition's name + _crypt. */
  cryptName: 'vda3_crypt',
  vg: 'debian-vg',
  rootMapper: '/dev/mapper/debian--vg-root',
  swapMapper: '/dev/mapper/debian--vg-swap_1',
  bootUuid: '3f4e5d6c-7b8a-4990-8a1b-2c3d4e5f6a7b',
  luksRootUuid: '8e9f0a1b-2c3d-4e5f-9a6b-7c8d9e0f1a2b',
  plainRootUuid: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  raidUuid: 'a1b2c3d4:e5f6a7b8:c9d0e1f2:a3b4c5d6',
  raidRootUuid: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
  /** The hand-made layout: LUKS2 root (ext4 in it), LUKS2 swap, a random-key swap partition. */
  cryptswap: {
    rootName: 'vda1_crypt',
    rootLuksUuid: '2b3c4d5e-6f70-4819-a2b3-c4d5e6f70819',
    rootFsUuid: '5e6f7081-92a3-44b5-8c6d-7e8f90a1b2c3',
    swapName: 'vda2_crypt',
    swapLuksUuid: '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d',
    swapPartUuid: 'c0ffee00-5a1d-4e2f-8a3b-4c5d6e7f8091',
    /** Not ours to open: the real system makes it at each boot with a random key. */
    randomSwapName: 'cswap',
    randomSwapPartUuid: 'd00dfeed-6b2e-4f30-9b4c-5d6e7f809102',
  },
} as const;

const SRC_MB = 448;
const ROOT_LV_MB = 480;
/** Disk name -> [size MiB, sfdisk script]; attached to the preparer in this order (vda, vdb, ...). */
const GPT = 'label: gpt\n';
const LINUX = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
const RAID = 'A19D880F-05FC-4D3B-A006-743F0F84911E';
const BIOS_BOOT = '21686148-6449-6E6F-744E-656564454649';
const LAYOUT = {
  // The installer's BIOS layout: bios_grub, /boot, the encrypted rest.
  luks: [640, `${GPT}size=1MiB, type=${BIOS_BOOT}\nsize=64MiB, type=${LINUX}\ntype=${LINUX}\n`],
  raidA: [512, `${GPT}type=${RAID}\n`],
  raidB: [512, `${GPT}type=${RAID}\n`],
  plain: [512, `${GPT}type=${LINUX}\n`],
  // By hand: the root's LUKS2 container, the swap's, and a partition for a random-key swap.
  cryptswap: [
    576,
    `${GPT}size=480MiB, type=${LINUX}\nsize=64MiB, type=${LINUX}, uuid=${DISTRO.cryptswap.swapPartUuid}\n` +
      `type=${LINUX}, uuid=${DISTRO.cryptswap.randomSwapPartUuid}\n`,
  ],
} as const;
export type DistroDiskName = keyof typeof LAYOUT;
const NAMES = Object.keys(LAYOUT) as DistroDiskName[];
const devOf = (i: number) => `vd${String.fromCharCode(97 + i)}`;

function prepareEnv(): Record<string, string | number> {
  const v: Record<string, string | number> = {
    PASSPHRASE: DISTRO.passphrase,
    KDF_MEMORY_KIB: DISTRO.kdfMemoryKiB,
    KDF_ITERATIONS: DISTRO.kdfIterations,
    LUKS_UUID: DISTRO.luksUuid,
    CRYPT_NAME: DISTRO.cryptName,
    VG: DISTRO.vg,
    ROOT_LV_MB,
    BOOT_UUID: DISTRO.bootUuid,
    LUKS_ROOT_UUID: DISTRO.luksRootUuid,
    PLAIN_ROOT_UUID: DISTRO.plainRootUuid,
    RAID_UUID: DISTRO.raidUuid,
    RAID_ROOT_UUID: DISTRO.raidRootUuid,
    LUKS_DISK: devOf(NAMES.indexOf('luks')),
    RAID_DISK_A: devOf(NAMES.indexOf('raidA')),
    RAID_DISK_B: devOf(NAMES.indexOf('raidB')),
    PLAIN_DISK: devOf(NAMES.indexOf('plain')),
    CS_DISK: devOf(NAMES.indexOf('cryptswap')),
    CS_ROOT_LUKS_UUID: DISTRO.cryptswap.rootLuksUuid,
    CS_ROOT_FS_UUID: DISTRO.cryptswap.rootFsUuid,
    CS_SWAP_LUKS_UUID: DISTRO.cryptswap.swapLuksUuid,
    SRC_DISK: devOf(NAMES.length),
  };
  return v;
}

/** The mdadm.conf Debian's mkconf writes for the array (root's /etc/mdadm/mdadm.conf, and the image's). */
export function distroMdadmConf(): string {
  return `HOMEHOST <system>\nMAILADDR root\nARRAY /dev/md/0 metadata=1.2 UUID=${DISTRO.raidUuid} name=debian:0\n`;
}

/** The installer's crypttab of the encrypted-LVM disk. */
export function luksCrypttab(): string {
  return `${DISTRO.cryptName} UUID=${DISTRO.luksUuid} none luks,discard\n`;
}

/**
 * The hand-made layout's crypttab: the root by its LUKS UUID, the swap by its GPT partition id,
 * and a random-key swap (plain dm-crypt, `swap`: a kind the initramfs leaves alone) by a /dev path.
 */
export function cryptswapCrypttab(): string {
  const c = DISTRO.cryptswap;
  return (
    `${c.rootName} UUID=${c.rootLuksUuid} none luks,discard\n` +
    `${c.swapName} PARTUUID=${c.swapPartUuid} none luks\n` +
    `${c.randomSwapName} /dev/disk/by-partuuid/${c.randomSwapPartUuid} /dev/urandom swap,cipher=aes-xts-plain64,size=256\n`
  );
}

/** Each scenario's files on top of the tree, as the installer (or a user) writes them. */
export function overlays(): Record<'plain' | 'luks' | 'raid' | 'cryptswap', Record<string, string>> {
  const c = DISTRO.cryptswap;
  const head = '# /etc/fstab: static file system information.\n# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n';
  return {
    plain: { 'etc/fstab': `${head}UUID=${DISTRO.plainRootUuid} /               ext4    errors=remount-ro 0       1\n` },
    luks: {
      'etc/fstab':
        `${head}${DISTRO.rootMapper} /               ext4    errors=remount-ro 0       1\n` +
        `# /boot was on /dev/vda2 during installation\nUUID=${DISTRO.bootUuid} /boot           ext2    defaults        0       2\n` +
        `${DISTRO.swapMapper} none            swap    sw              0       0\n`,
      'etc/crypttab': luksCrypttab(),
    },
    raid: {
      'etc/fstab': `${head}# / was on /dev/md0 during installation\nUUID=${DISTRO.raidRootUuid} /               ext4    errors=remount-ro 0       1\n`,
      'etc/mdadm/mdadm.conf': distroMdadmConf(),
    },
    cryptswap: {
      'etc/fstab':
        `${head}/dev/mapper/${c.rootName} /               ext4    errors=remount-ro 0       1\n` +
        `/dev/mapper/${c.swapName} none            swap    sw              0       0\n` +
        `/dev/mapper/${c.randomSwapName}      none            swap    sw              0       0\n`,
      'etc/crypttab': cryptswapCrypttab(),
    },
  };
}

const PREPARER_TOOLS: Array<[string, string]> = [
  ['/bin/kmod', 'sbin/modprobe'],
  ['/sbin/cryptsetup', 'sbin/cryptsetup'],
  ['/sbin/lvm', 'sbin/lvm'],
  ['/sbin/mdadm', 'sbin/mdadm'],
  ['/sbin/mke2fs', 'sbin/mke2fs'],
  ['/sbin/mkswap', 'sbin/mkswap'],
];
const PREPARER_MODULES = ['virtio_pci', 'virtio_blk', 'crc32c_generic', 'ext4', 'dm_mod', 'dm_crypt', 'xts', 'af_alg', 'algif_skcipher', 'algif_hash', 'md_mod', 'raid1'];

async function buildPreparer(fx: BootFixture, dest: string): Promise<void> {
  const image = await preparerImage({ kv: fx.kv, script: PREPARE_SCRIPT, env: prepareEnv(), tools: PREPARER_TOOLS, modules: PREPARER_MODULES });
  image.addFile('etc/lvm/lvm.conf', Buffer.from(INITRAMFS_LVM_CONF));
  for (const [name, files] of Object.entries(overlays())) {
    const o = `overlay/${name}`;
    image.addFile(`${o}/usr/local/sbin/tsgk-sentinel`, SENTINEL_SCRIPT, 0o755);
    image.addFile(`${o}/etc/systemd/system/tsgk-sentinel.service`, SENTINEL_UNIT, 0o644);
    image.addSymlink(`${o}/etc/systemd/system/sysinit.target.wants/tsgk-sentinel.service`, '/etc/systemd/system/tsgk-sentinel.service');
    for (const [path, text] of Object.entries(files)) image.addFile(`${o}/${path}`, Buffer.from(text));
  }
  await writePreparer(image, dest);
}

function cacheKey(fx: BootFixture, rootKey: string): string {
  const h = createHash('sha256');
  for (const f of [PREPARE_SCRIPT, PREPARER_LIB_SH, SENTINEL_SCRIPT, SENTINEL_UNIT]) h.update(readFileSync(f));
  h.update(JSON.stringify([rootKey, prepareEnvText(prepareEnv()), LAYOUT, overlays(), SRC_MB, fx.kv]));
  return h.digest('hex').slice(0, 16);
}

export type DistroDisks = Record<DistroDiskName, string>;
export interface PreparedDistroDisks {
  disks: DistroDisks;
  /** Null when taken from the cache; else what each step took. */
  made: null | { debootstrapMs: number | null; prepareMs: number };
}

/** The prepared disks, from the cache or made now (debootstrap when its tree is missing, then one QEMU run). */
export async function distroDisks(fx: BootFixture): Promise<PreparedDistroDisks> {
  const root = debianRoot();
  const base = join(dirname(root.tree), 'disks');
  const key = cacheKey(fx, root.key);
  const dir = join(base, key);
  const disks = Object.fromEntries(NAMES.map((n) => [n, join(dir, `${n}.img`)])) as DistroDisks;
  mkdirSync(base, { recursive: true });
  let made: PreparedDistroDisks['made'] = null;
  await buildOnceAsync(join(base, `${key}.lock`), () => existsSync(join(dir, 'complete')), async () => {
    const started = performance.now();
    const work = `${dir}.partial-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    const files = NAMES.map((n) => join(work, `${n}.img`));
    NAMES.forEach((n, i) => {
      const [mb, script] = LAYOUT[n];
      writeFileSync(files[i]!, '');
      truncateSync(files[i]!, mb * 1024 * 1024);
      execFileSync('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', files[i]!], { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
    });
    const src = join(work, 'source.img');
    execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', root.tree, src, `${SRC_MB}M`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const preparer = join(work, 'preparer.cpio');
    await buildPreparer(fx, preparer);
    const r = await bootImage({
      kernel: fx.kernel,
      initramfs: preparer,
      append: 'quiet',
      memoryMb: 1024,
      extraArgs: [...files.flatMap((f) => ['-drive', `file=${f},if=virtio,format=raw`]), '-drive', `file=${src},if=virtio,format=raw,snapshot=on`],
      timeoutMs: 900_000,
    });
    writeFileSync(join(work, 'prepare.log'), r.output);
    if (!r.output.includes('TSGK-PREPARED') || r.output.includes('TSGK-PREPARE-FAILED')) {
      const tail = r.output.split(/\r?\n/).slice(-40).join('\n');
      throw new Error(`Debian disk preparation failed (log: ${join(work, 'prepare.log')}):\n${tail}`);
    }
    rmSync(preparer);
    rmSync(src);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    writeFileSync(join(dir, 'complete'), `${new Date().toISOString()} ${r.totalMs} ms\n`);
    made = { debootstrapMs: root.built ? root.ms : null, prepareMs: Math.round(performance.now() - started) };
  });
  return { disks, made };
}
