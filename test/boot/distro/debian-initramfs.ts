/**
 * Debian's own initramfs for the installer's encrypted-LVM disk (disks.ts, "luks"): what the
 * installer would leave on that system, made by Debian's initramfs-tools with
 * cryptsetup-initramfs and lvm2, so the bench can boot it beside ours.
 *
 * Made in a chroot of a copy of the debootstrapped tree (debian-root.ts): apt installs
 * initramfs-tools and cryptsetup-initramfs (with their recommends: busybox, zstd) from the
 * tree's own Debian sources, the system's fstab goes in (its root's fsck comes into the image),
 * the kernel's /lib/modules/KV is bind-mounted read-only, and mkinitramfs runs with Debian's
 * defaults (MODULES=most, zstd). Three things differ from an
 * installer run, both because a chroot on the build host has no view of the disk:
 *  - cryptsetup-initramfs puts a crypttab entry in the image only when it can trace the mounted
 *    root down to it, or when the entry carries the `initramfs` option. In the chroot it cannot
 *    trace, so the crypttab used to generate is the disk's own line plus `initramfs`; the image
 *    holds exactly the entry the installer's run would have put there, under its name vda3_crypt.
 *  - RESUME=none (conf.d/resume): the resume hook would otherwise pick a swap from the build
 *    host's /proc/swaps. Our image is booted without resume= as well.
 *  - FSTYPE=ext4 (conf.d/fstype): the fsck hook probes the mounted root's type, which the chroot
 *    cannot; ext4 is what it finds on that system, so fsck.ext4 goes in as the installer's would.
 * The image is cached beside the tree, keyed by everything that goes in; the chroot copy is
 * removed once the image is made.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildOnce } from '../fixture.js';
import { debianRoot } from './debian-root.js';
import { DISTRO, luksCrypttab, overlays } from './disks.js';

/** What the installer's system has for its initramfs besides the tree (lvm2 is in the tree). */
export const DEBIAN_INITRAMFS_PACKAGES = ['initramfs-tools', 'cryptsetup-initramfs'];
/** Bump when how the image is made changes. */
const REVISION = 2;

/** The crypttab the image is generated from: the disk's own entries, each with `initramfs` added. */
export function generatingCrypttab(): string {
  return luksCrypttab()
    .split('\n')
    .map((l) => (l.trim() === '' || l.startsWith('#') ? l : `${l},initramfs`))
    .join('\n');
}

interface Facts {
  /** mkinitramfs in the chroot (the apt install before it not counted). */
  mkinitramfsMs: number;
  /** "initramfs-tools V, cryptsetup-initramfs V, lvm2 V" as installed in the chroot. */
  versions: string;
  /** The image's own crypttab (cryptroot/crypttab). */
  crypttab: string;
  made: string;
}

export interface DebianInitramfs extends Omit<Facts, 'made'> {
  image: string;
  bytes: number;
  /** False when taken from the cache. */
  built: boolean;
  /** The prompt cryptsetup-initramfs shows at the console. */
  prompt: string;
  /** The kernel command line a grub entry of that system passes. */
  append: string;
}

function modulesIdentity(kv: string): string {
  const dep = join('/lib/modules', kv, 'modules.dep');
  return existsSync(dep) ? createHash('sha256').update(readFileSync(dep)).digest('hex').slice(0, 12) : 'none';
}

function run(cmd: string, args: string[], timeout = 1_200_000): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' } });
  } catch (e) {
    const out = e as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${String(out.stdout ?? '').slice(-1500)}\n${String(out.stderr ?? '').slice(-1500)}`);
  }
}

/** Runs `body` with /proc, the module tree and `outDir` (as /mnt) mounted in `tree`; unmounts whatever happens. */
function withChrootMounts(tree: string, kv: string, outDir: string, body: () => void): void {
  const mods = join(tree, 'lib', 'modules', kv);
  mkdirSync(mods, { recursive: true });
  const mounts: string[] = [];
  try {
    run('mount', ['-t', 'proc', 'proc', join(tree, 'proc')]);
    mounts.push(join(tree, 'proc'));
    run('mount', ['--bind', '-o', 'ro', join('/lib/modules', kv), mods]);
    mounts.push(mods);
    run('mount', ['--bind', outDir, join(tree, 'mnt')]);
    mounts.push(join(tree, 'mnt'));
    body();
  } finally {
    for (const m of mounts.reverse()) execFileSync('umount', [m], { stdio: 'ignore' });
  }
}

/** The cached image for kernel `kv`, made now when missing (apt in a chroot, then mkinitramfs: a few minutes). */
export function debianInitramfs(kv: string): DebianInitramfs {
  const root = debianRoot();
  const key = createHash('sha256')
    .update(JSON.stringify([root.key, kv, modulesIdentity(kv), DEBIAN_INITRAMFS_PACKAGES, overlays().luks, generatingCrypttab(), REVISION]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(dirname(root.tree), 'debian-initramfs', key);
  const image = join(dir, 'initrd.img');
  const facts = join(dir, 'facts.json');
  mkdirSync(dirname(dir), { recursive: true });
  let built = false;
  buildOnce(`${dir}.lock`, () => existsSync(facts), () => {
    const work = `${dir}.partial-${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    const tree = join(work, 'root');
    const out = join(work, 'out');
    mkdirSync(out, { recursive: true });
    try {
      // cp -a: the tree holds device nodes, which fs.cpSync does not copy.
      run('cp', ['-a', root.tree, tree]);
      // The kernel's config: mkinitramfs checks it for the compressor the kernel can unpack.
      copyFileSync(`/boot/config-${kv}`, join(tree, 'boot', `config-${kv}`));
      let ms = 0;
      withChrootMounts(tree, kv, out, () => {
        run('chroot', [tree, 'apt-get', 'update', '-q']);
        run('chroot', [tree, 'apt-get', 'install', '-y', '-q', ...DEBIAN_INITRAMFS_PACKAGES]);
        // The system's fstab (the fsck hook takes fsck.ext4 for its root) and crypttab.
        writeFileSync(join(tree, 'etc', 'fstab'), overlays().luks['etc/fstab']!);
        writeFileSync(join(tree, 'etc', 'crypttab'), generatingCrypttab());
        writeFileSync(join(tree, 'etc', 'initramfs-tools', 'conf.d', 'resume'), 'RESUME=none\n');
        // What FSTYPE=auto finds by probing the mounted root, which the chroot cannot.
        writeFileSync(join(tree, 'etc', 'initramfs-tools', 'conf.d', 'fstype'), 'FSTYPE=ext4\n');
        const started = performance.now();
        run('chroot', [tree, 'mkinitramfs', '-o', '/mnt/initrd.img', kv]);
        ms = Math.round(performance.now() - started);
      });
      const versions = execFileSync('chroot', [tree, 'dpkg-query', '-W', '-f', '${Package} ${Version}, ', ...DEBIAN_INITRAMFS_PACKAGES, 'lvm2'], { encoding: 'utf8' }).replace(/, $/, '');
      // What the image will unlock: its own crypttab, as the hook wrote it.
      run('unmkinitramfs', [join(out, 'initrd.img'), join(work, 'unpacked')]);
      const tab = join(work, 'unpacked', 'cryptroot', 'crypttab');
      const crypttab = existsSync(tab) ? readFileSync(tab, 'utf8').trim() : '';
      if (!crypttab.includes(DISTRO.cryptName)) throw new Error(`Debian's initramfs holds no crypttab entry for ${DISTRO.cryptName} (cryptroot/crypttab: ${crypttab || 'missing'})`);
      mkdirSync(dir, { recursive: true });
      renameSync(join(out, 'initrd.img'), image);
      const made: Facts = { mkinitramfsMs: ms, versions, crypttab, made: new Date().toISOString() };
      writeFileSync(facts, JSON.stringify(made) + '\n');
      built = true;
    } finally {
      // Never remove through a mount that failed to come off (the module tree is bound in).
      if (!readFileSync('/proc/self/mounts', 'utf8').includes(` ${work}/`)) rmSync(work, { recursive: true, force: true });
    }
  });
  const { mkinitramfsMs, versions, crypttab } = JSON.parse(readFileSync(facts, 'utf8')) as Facts;
  return {
    image,
    bytes: statSync(image).size,
    mkinitramfsMs,
    versions,
    crypttab,
    built,
    prompt: `Please unlock disk ${DISTRO.cryptName}`,
    append: `root=${DISTRO.rootMapper}`,
  };
}
