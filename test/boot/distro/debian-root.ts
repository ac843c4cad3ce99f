/**
 * A real Debian 12 system as a directory tree: debootstrap's minbase plus the few packages a
 * systemd machine on LUKS, LVM and md RAID runs (DEBIAN_PACKAGES). Built once per package list
 * and kept between runs beside the boot fixture; concurrent test files wait on one builder
 * (lock), and the tree appears by an atomic rename only when complete.
 * The tree holds no kernel: tests boot the host's Debian kernel with their own initramfs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOnce } from '../fixture.js';
import { debianMirror } from './mirror.js';

export const DEBIAN_SUITE = 'bookworm';
/**
 * On top of minbase: systemd as init (systemd-sysv), udev, dbus (systemd-logind needs the bus),
 * the storage stacks' userland (lvm2, cryptsetup-bin, mdadm), kmod and e2fsprogs (fsck.ext4).
 * Without cryptsetup-initramfs or initramfs-tools: the tests bring the initramfs.
 */
export const DEBIAN_PACKAGES = ['systemd', 'systemd-sysv', 'udev', 'dbus', 'lvm2', 'cryptsetup-bin', 'mdadm', 'kmod', 'e2fsprogs'];

/** Why the tree may change without a new package list: bump when postDebootstrap changes. */
const TREE_REVISION = 1;

function cacheBase(): string {
  return process.env.TSGK_DISTRO_CACHE ?? join(process.env.TSGK_BOOT_CACHE ?? join(tmpdir(), 'tsgenkernel-boot-fixture'), 'debian-root');
}

export function debianRootKey(): string {
  return createHash('sha256').update(JSON.stringify([DEBIAN_SUITE, DEBIAN_PACKAGES, TREE_REVISION])).digest('hex').slice(0, 12);
}

/** What a fresh install would not carry: downloaded .debs and apt's lists (about 60 MB). */
function postDebootstrap(tree: string): void {
  execFileSync('sh', ['-c', 'rm -rf var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/*_Packages var/log/*.log', 'sh'], { cwd: tree });
  writeFileSync(join(tree, 'etc', 'hostname'), 'debian\n');
  writeFileSync(join(tree, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n');
}

export interface DebianRoot {
  tree: string;
  key: string;
  /** False when taken from the cache. */
  built: boolean;
  ms: number;
}

/** The cached tree, debootstrapped now when missing (about a minute with a near mirror). */
export function debianRoot(): DebianRoot {
  const started = performance.now();
  const key = debianRootKey();
  const base = cacheBase();
  const tree = join(base, key);
  const complete = join(base, `${key}.complete`);
  mkdirSync(base, { recursive: true });
  let built = false;
  buildOnce(join(base, `${key}.lock`), () => existsSync(complete), () => {
    if (!existsSync('/usr/sbin/debootstrap')) throw new Error('debian root: debootstrap is missing (scripts/setup installs it)');
    const work = join(base, `${key}.partial-${process.pid}`);
    rmSync(work, { recursive: true, force: true });
    const mirror = debianMirror(DEBIAN_SUITE);
    try {
      execFileSync('debootstrap', ['--variant=minbase', `--include=${DEBIAN_PACKAGES.join(',')}`, DEBIAN_SUITE, work, mirror], {
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
        timeout: 1_200_000,
      });
    } catch (e) {
      const out = e as { stdout?: Buffer; stderr?: Buffer };
      const log = existsSync(join(work, 'debootstrap', 'debootstrap.log')) ? join(work, 'debootstrap', 'debootstrap.log') : '(none)';
      throw new Error(`debootstrap ${DEBIAN_SUITE} from ${mirror} failed (log: ${log}):\n${String(out.stderr ?? '').slice(-2000)}`);
    }
    postDebootstrap(work);
    rmSync(tree, { recursive: true, force: true });
    renameSync(work, tree);
    writeFileSync(complete, `${new Date().toISOString()} ${Math.round(performance.now() - started)} ms\n`);
    built = true;
  });
  return { tree, key, built, ms: Math.round(performance.now() - started) };
}
