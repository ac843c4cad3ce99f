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
function oursConf(repo: string, dir: string, kind: Kind): string {
  const file = join(dir, `genkernel-${kind}.conf`);
  const lines = ['# written by bench/tools.ts'];
  if (kind === 'minimal') {
    const groups = moduleGroups(readFileSync(join(repo, 'defaults', 'modules_load'), 'utf8'));
    for (const g of groups.keys()) lines.push(`${g}=""`);
    lines.push(`MODULES_BENCH="${MINIMAL_MODULES.join(' ')}"`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export function ours(s: OursSetup, kind: Kind, label: string, extra: string[] = []): Invocation {
  const dir = join(s.work, 'ours', label);
  mkdirSync(dir, { recursive: true });
  const boot = join(dir, 'boot');
  const tmp = join(dir, 'tmp');
  const conf = oursConf(s.repo, dir, kind);
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
      mkdirSync(boot, { recursive: true });
      mkdirSync(tmp, { recursive: true });
    },
  };
}

/** A private copy of /etc/initramfs-tools (mkinitramfs -d) with MODULES= set for the kind. */
function mkinitramfsConfDir(dir: string, kind: Kind): string {
  const conf = join(dir, 'initramfs-tools');
  rmSync(conf, { recursive: true, force: true });
  cpSync('/etc/initramfs-tools', conf, { recursive: true });
  const file = join(conf, 'initramfs.conf');
  let text = readFileSync(file, 'utf8');
  const modules = kind === 'generic' ? 'most' : 'list';
  text = /^MODULES=/m.test(text) ? text.replace(/^MODULES=.*$/m, `MODULES=${modules}`) : `${text}\nMODULES=${modules}\n`;
  writeFileSync(file, text);
  if (kind === 'minimal') writeFileSync(join(conf, 'modules'), MINIMAL_MODULES.join('\n') + '\n');
  return conf;
}

export function mkinitramfs(work: string, kv: string, kind: Kind): Invocation {
  if (!existsSync('/usr/sbin/mkinitramfs')) throw new Error('mkinitramfs is missing (apt-get install initramfs-tools)');
  const dir = join(work, 'mkinitramfs', kind);
  mkdirSync(dir, { recursive: true });
  const conf = mkinitramfsConfDir(dir, kind);
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
