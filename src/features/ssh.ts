import { chmod, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import type { ImageTree } from '../image/image-tree.js';
import type { Feature } from './feature.js';
import { addBootFragment, bootPath, type BootFragment } from './boot-fragment.js';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { defaultsPath } from '../config/settings.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { requireHostTool } from '../path-lookup.js';
import { installNetwork, netConf, NET_MODULES } from './net.js';

/**
 * --ssh: dropbear (Debian's dropbear-bin, with its shared-library closure) so that a remote
 * user can log in with a key and unlock the LUKS root (`gk-unlock`) while the init waits.
 * Boot side: defaults/initrd.d/25-ssh.sh (dosshd, ip=, gk.sshd.port=, gk.sshd.wait=);
 * helper scripts: defaults/ssh/.
 *
 * Host keys follow genkernel's SSH_HOST_KEYS:
 *   create            reuse <hostKeyDir>/dropbear_<type>_host_key, creating the missing
 *                     ones there once, so the fingerprint stays the same across rebuilds
 *   create-from-host  convert the host's OpenSSH keys (/etc/ssh/ssh_host_<type>_key)
 *   runtime           no keys in the image: dropbear -R makes them at boot (a new
 *                     fingerprint every boot, but no key material in the image file)
 */
export const KEY_TYPES = ['ed25519', 'ecdsa', 'rsa'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface SshFeatureOptions {
  /** Where 'create' keeps its keys (genkernel: /etc/dropbear); tests pass a temp dir. */
  hostKeyDir?: string;
  /** Where 'create-from-host' finds OpenSSH keys. */
  opensshDir?: string;
  toolPath?: readonly string[];
}

/** Network drivers the image needs so that dosshd has an interface (virtio_net for VMs). */
export const SSH_MODULES = NET_MODULES;

/** Where things live in the image (relative image paths). */
export const SSH_IMAGE = {
  banner: 'etc/gk-ssh-banner',
  hostKeyDir: 'etc/dropbear',
  gkUnlock: 'usr/sbin/gk-unlock',
  resumeBoot: 'usr/sbin/resume-boot',
} as const;

const hostKeyName = (t: KeyType) => `dropbear_${t}_host_key`;

export const sshBoot: BootFragment = {
  file: '25-ssh.sh',
  conf: () => ({
    // State the init shares with gk-unlock and resume-boot in an SSH session.
    SSH_RUN: '/run/gk-unlock',
    ...netConf(),
    SSH_BANNER: bootPath(SSH_IMAGE.banner),
    // Every key the image may hold; with --ssh-host-keys=runtime none is there and dropbear -R makes them.
    SSH_HOST_KEY_FILES: KEY_TYPES.map((t) => bootPath(`${SSH_IMAGE.hostKeyDir}/${hostKeyName(t)}`)),
  }),
};

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** Host keys for the image, as host paths of dropbear-format key files. */
export async function hostKeys(ctx: BuildContext, mode: string, opts: SshFeatureOptions): Promise<string[]> {
  if (mode === 'runtime') return [];
  if (mode === 'create-from-host') {
    const dir = opts.opensshDir ?? '/etc/ssh';
    const convert = await requireHostTool('dropbearconvert', '--ssh-host-keys=create-from-host', 'install dropbear-bin', opts.toolPath);
    const out = join(ctx.paths.tmp, 'dropbear-keys');
    await mkdir(out, { recursive: true, mode: 0o700 });
    const keys: string[] = [];
    for (const t of KEY_TYPES) {
      const src = join(dir, `ssh_host_${t}_key`);
      if (!(await exists(src))) continue;
      const dest = join(out, hostKeyName(t));
      await run(convert, ['openssh', 'dropbear', src, dest], { log: ctx.log, what: `dropbearconvert ${src}`, hint: 'check the OpenSSH host key, or use --ssh-host-keys=create' });
      keys.push(dest);
    }
    if (keys.length === 0) {
      throw new GkError(`--ssh-host-keys=create-from-host found no OpenSSH host keys in ${dir}`, 'install openssh-server (it creates them), or use --ssh-host-keys=create or runtime');
    }
    return keys;
  }
  const dir = opts.hostKeyDir ?? '/etc/dropbear';
  const keygen = await requireHostTool('dropbearkey', '--ssh', 'install dropbear-bin', opts.toolPath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys: string[] = [];
  for (const t of KEY_TYPES) {
    const key = join(dir, hostKeyName(t));
    if (!(await exists(key))) {
      ctx.log.info(`ssh: creating the initramfs host key ${key}`);
      await run(keygen, ['-t', t, '-f', key, ...(t === 'rsa' ? ['-s', '3072'] : [])], { log: ctx.log, what: `dropbearkey -t ${t}` });
      await chmod(key, 0o600);
    }
    keys.push(key);
  }
  return keys;
}

/** Lines of an authorized_keys file that hold a key (comments and blanks do not count). */
export function authorizedKeyCount(text: string): number {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
}

export async function installSsh(ctx: BuildContext, image: ImageTree, opts: SshFeatureOptions = {}): Promise<string> {
  const s = ctx.settings;
  const authFile = s.SSH_AUTHORIZED_KEYS_FILE;
  const auth = await readFile(authFile, 'utf8').catch(() => undefined);
  if (auth === undefined || authorizedKeyCount(auth) === 0) {
    throw new GkError(
      `--ssh needs public keys in ${authFile}, which ${auth === undefined ? 'cannot be read' : 'holds none'}`,
      'put the keys allowed to log in there, or pass another file with --ssh-authorized-keys-file=FILE (password logins are off)',
    );
  }
  const dropbear = await requireHostTool('dropbear', '--ssh', 'install dropbear-bin', opts.toolPath);
  const added = await addHostBinary(image, dropbear, 'usr/sbin/dropbear');
  // dropbear looks the user up through glibc's NSS (files is built into glibc since 2.34).
  if (!image.has('etc/passwd')) image.addFile('etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\n'), 0o644);
  if (!image.has('etc/group')) image.addFile('etc/group', Buffer.from('root:x:0:\ntty:x:5:\n'), 0o644);
  // dropbear refuses a login whose shell getusershell() does not list.
  image.addFile('etc/shells', Buffer.from('/bin/sh\n/bin/ash\n'), 0o644);
  image.ensureDir('root', 0o700);
  image.ensureDir('root/.ssh', 0o700);
  image.addFile('root/.ssh/authorized_keys', Buffer.from(auth), 0o600);
  image.ensureDir(SSH_IMAGE.hostKeyDir, 0o700);
  const mode = s.SSH_HOST_KEYS;
  const keys = await hostKeys(ctx, mode, opts);
  for (const k of keys) {
    // A copy in our tmp dir: the writer reads files late, and the user's key must not change under it.
    const copy = join(ctx.paths.tmp, 'dropbear-image-keys', k.split('/').pop()!);
    await mkdir(join(ctx.paths.tmp, 'dropbear-image-keys'), { recursive: true, mode: 0o700 });
    await copyFile(k, copy);
    image.addFile(`${SSH_IMAGE.hostKeyDir}/${k.split('/').pop()!}`, copy, 0o600);
  }
  installNetwork(image);
  image.addFile(SSH_IMAGE.gkUnlock, defaultsPath(join('ssh', 'gk-unlock')), 0o755);
  image.addSymlink('usr/sbin/unlock-luks', 'gk-unlock');
  image.addFile(SSH_IMAGE.resumeBoot, defaultsPath(join('ssh', 'resume-boot')), 0o755);
  addBootFragment(image, sshBoot);
  image.addFile(
    SSH_IMAGE.banner,
    Buffer.from('tsgenkernel initramfs. Run gk-unlock to unlock the root filesystem, resume-boot to end a gk.sshd.wait pause.\n'),
    0o644,
  );
  return `dropbear with ${added.libraries.length} library entries, ${authorizedKeyCount(auth)} authorized keys, host keys: ${mode}${keys.length ? ` (${keys.length})` : ''}`;
}

export function createSshFeature(opts: SshFeatureOptions = {}): Feature {
  return {
    name: 'ssh',
    enabled: (ctx) => ctx.settings.SSH,
    modules: () => SSH_MODULES,
    async install(ctx, image) {
      ctx.log.debug(`ssh: ${await installSsh(ctx, image, opts)}`, 2);
    },
    boot: sshBoot,
  };
}

export const sshFeature = createSshFeature();
