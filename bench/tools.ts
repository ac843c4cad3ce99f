/**
 * How each generator is asked for the two image kinds, on the same kernel and module tree.
 *   generic: genkernel's default module groups | mkinitramfs MODULES=most | dracut --no-hostonly
 *   minimal: virtio_pci, virtio_blk, ext4 and what they need, in every tool
 * Each tool keeps its own default compression (what its users get): ours zstd, mkinitramfs
 * zstd -9 (initramfs.conf), dracut gzip -9.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { moduleGroups } from '../src/kmod/module-groups.js';

export type Kind = 'generic' | 'minimal';
/** What tsgenkernel keeps under its cachedir between builds of an image (not the static tools). */
const BUILD_CACHES = ['segments', 'staged-modules', 'module-plans'];
export const MINIMAL_MODULES = ['virtio_pci', 'virtio_blk', 'ext4'];

export interface Invocation {
  tool: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Where the image ends up once the command succeeded. */
  image: () => string;
  /** Empties the output location so the next run starts alike. */
  reset: () => void;
}

export interface OursSetup {
  /**
   * Keep the build caches of earlier runs (compressed segments, staged module trees, module
   * plans): a rebuild. By default every run starts without them, so a timed build selects,
   * stages and compresses everything, as the other tools do.
   */
  keepSegments?: boolean;
  /** An explicit module list instead of a kind's groups (the scale section). */
  modules?: readonly string[];
  repo: string;
  kv: string;
  work: string;
  cachedir: string;
  distdir: string;
  /** A module tree other than /lib/modules (e.g. the boot fixture's .ko.zst tree). */
  modulesPrefix?: string;
  kernelConfig?: string;
}

/**
 * A private genkernel.conf: empty for generic (so /etc/genkernel.conf cannot change the
 * result); for minimal every group of defaults/modules_load emptied and one group of ours added.
 */
function oursConf(repo: string, dir: string, kind: Kind, modules?: readonly string[]): string {
  const file = join(dir, `genkernel-${kind}.conf`);
  const lines = ['# written by bench/tools.ts'];
  if (kind === 'minimal' || modules) {
    const groups = moduleGroups(readFileSync(join(repo, 'defaults', 'modules_load'), 'utf8'));
    for (const g of groups.keys()) lines.push(`${g}=""`);
    lines.push(`MODULES_BENCH="${(modules ?? MINIMAL_MODULES).join(' ')}"`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export function ours(s: OursSetup, kind: Kind, label: string, extra: string[] = []): Invocation {
  const dir = join(s.work, 'ours', label);
  mkdirSync(dir, { recursive: true });
  const boot = join(dir, 'boot');
  const tmp = join(dir, 'tmp');
  const conf = oursConf(s.repo, dir, kind, s.modules);
  const args = [
    'initramfs',
    `--config=${conf}`,
    `--kernel-version=${s.kv}`,
    `--bootdir=${boot}`,
    '--no-mountboot',
    `--tmpdir=${tmp}`,
    `--cachedir=${s.cachedir}`,
    `--distdir=${s.distdir}`,
    '--loglevel=2',
    '--no-color',
    ...(s.modulesPrefix ? [`--kernel-modules-prefix=${s.modulesPrefix}`] : []),
    // The boot dir is ours, so the installed kernel's config must be named.
    `--kernel-config=${s.kernelConfig ?? `/boot/config-${s.kv}`}`,
    ...extra,
  ];
  return {
    tool: 'tsgenkernel',
    // The launcher (a sh script) sets glibc malloc tunables before node starts: run it as users do.
    cmd: join(s.repo, 'bin', 'tsgenkernel'),
    args,
    env: { ...process.env, NO_COLOR: '1' },
    image: () => {
      const found = readdirSync(boot).filter((e) => e.startsWith('initramfs') && !e.endsWith('.old') && lstatSync(join(boot, e)).isFile());
      if (found.length !== 1) throw new Error(`expected one initramfs in ${boot}, found ${found.join(', ') || 'none'}`);
      return join(boot, found[0]!);
    },
    reset: () => {
      rmSync(boot, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
      if (!s.keepSegments) for (const c of BUILD_CACHES) rmSync(join(s.cachedir, c), { recursive: true, force: true });
      mkdirSync(boot, { recursive: true });
      mkdirSync(tmp, { recursive: true });
    },
  };
}

/** A private copy of /etc/initramfs-tools (mkinitramfs -d) with MODULES= set for the kind (or an explicit list). */
function mkinitramfsConfDir(dir: string, kind: Kind, modules?: readonly string[]): string {
  const conf = join(dir, 'initramfs-tools');
  rmSync(conf, { recursive: true, force: true });
  cpSync('/etc/initramfs-tools', conf, { recursive: true });
  const file = join(conf, 'initramfs.conf');
  let text = readFileSync(file, 'utf8');
  const mode = kind === 'generic' && !modules ? 'most' : 'list';
  text = /^MODULES=/m.test(text) ? text.replace(/^MODULES=.*$/m, `MODULES=${mode}`) : `${text}\nMODULES=${mode}\n`;
  writeFileSync(file, text);
  if (mode === 'list') writeFileSync(join(conf, 'modules'), (modules ?? MINIMAL_MODULES).join('\n') + '\n');
  return conf;
}

export function mkinitramfs(work: string, kv: string, kind: Kind, modules?: readonly string[], label: string = kind): Invocation {
  if (!existsSync('/usr/sbin/mkinitramfs')) throw new Error('mkinitramfs is missing (apt-get install initramfs-tools)');
  const dir = join(work, 'mkinitramfs', label);
  mkdirSync(dir, { recursive: true });
  const conf = mkinitramfsConfDir(dir, kind, modules);
  const out = join(dir, 'initrd.img');
  return {
    tool: 'mkinitramfs',
    cmd: 'mkinitramfs',
    args: ['-d', conf, '-o', out, kv],
    image: () => out,
    reset: () => rmSync(out, { force: true }),
  };
}

export function dracut(work: string, kv: string, kind: Kind): Invocation {
  if (!existsSync('/usr/bin/dracut')) throw new Error('dracut is missing (apt-get install dracut-core)');
  const dir = join(work, 'dracut', kind);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'initrd.img');
  const common = ['--force', '--no-hostonly', '--kver', kv];
  const args =
    kind === 'generic'
      ? [...common, out]
      : [
          ...common,
          '--no-hostonly-cmdline',
          '--no-early-microcode',
          // The smallest module set that still finds a block root: kernel-modules installs
          // only --drivers when they are given; udev-rules makes /dev/vda appear.
          '-m', 'base rootfs-block kernel-modules udev-rules',
          '-o', 'btrfs dm lvm mdraid crypt multipath plymouth i18n',
          '--drivers', MINIMAL_MODULES.join(' '),
          out,
        ];
  return {
    tool: 'dracut',
    cmd: 'dracut',
    args,
    image: () => out,
    reset: () => rmSync(out, { force: true }),
  };
}

/**
 * Debian's tiny-initramfs (mktirfs from tiny-initramfs-core): a minimal C init that mounts a
 * plain root and nothing else; the anchor for the smallest and fastest possible boot. Its own
 * default compression (gzip -9), no automatic module detection (the bench host is not the guest),
 * the minimal modules named, no microcode.
 */
export function tinyInitramfs(work: string, kv: string): Invocation {
  if (!existsSync('/usr/sbin/mktirfs')) throw new Error('mktirfs is missing (apt-get install tiny-initramfs-core)');
  const dir = join(work, 'tiny-initramfs');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'initrd.img');
  return {
    tool: 'tiny-initramfs',
    cmd: 'mktirfs',
    args: ['-o', out, '--auto-modules=no', `--include-modules=${MINIMAL_MODULES.join(',')}`, '--microcode=no', kv],
    image: () => out,
    reset: () => rmSync(out, { force: true }),
  };
}
