/**
 * A hand-assembled initramfs for testing /init on its own, without the tsgenkernel build:
 * defaults/linuxrc + initrd.scripts + initrd.lib, the host's static busybox (its modprobe loads the
 * distribution's uncompressed modules), the handful of modules a virtio ext4 root needs,
 * packed with GNU cpio and zstd.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, cpSync, chmodSync, symlinkSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { REPO, KV } from './fixture.js';
import { packImage } from './image-files.js';

export interface HandImageOptions {
  /** Extra module names (their dependencies follow). */
  modules?: string[];
  /** Fragments to place in /etc/initrd.d: file name -> shell text. */
  fragments?: Record<string, string>;
  /** Text of /etc/initrd.defaults. */
  defaults?: string;
}

const BASE_MODULES = ['virtio_pci', 'virtio_blk', 'ext4', 'crc32c_generic'];

export function handImage(out: string, opts: HandImageOptions = {}): string {
  const work = mkdtempSync(`${out}.d-`);
  const root = join(work, 'root');
  try {
    for (const d of ['bin', 'sbin', 'etc/initrd.d', 'proc', 'sys', 'dev', 'run', 'newroot', 'usr/bin', 'usr/sbin']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    cpSync('/bin/busybox', join(root, 'bin', 'busybox'));
    const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const a of applets) {
      if (a === 'busybox' || a === 'modprobe') continue;
      symlinkSync('busybox', join(root, 'bin', a));
    }
    symlinkSync('../bin/busybox', join(root, 'sbin', 'modprobe'));
    cpSync(join(REPO, 'defaults', 'linuxrc'), join(root, 'init'));
    chmodSync(join(root, 'init'), 0o755);
    cpSync(join(REPO, 'defaults', 'initrd.scripts'), join(root, 'etc', 'initrd.scripts'));
    cpSync(join(REPO, 'defaults', 'initrd.lib'), join(root, 'etc', 'initrd.lib'), { recursive: true });
    // Only the fragments a test asks for: the shipped ones belong to features (LUKS, LVM, ...)
    // whose tools this image does not carry.
    for (const [name, text] of Object.entries(opts.fragments ?? {})) {
      writeFileSync(join(root, 'etc', 'initrd.d', name), text);
    }
    if (opts.defaults !== undefined) writeFileSync(join(root, 'etc', 'initrd.defaults'), opts.defaults);

    const src = `/lib/modules/${KV}`;
    const dst = join(root, 'lib', 'modules', KV);
    const deps = execFileSync('modprobe', ['-S', KV, '--show-depends', '-a', ...BASE_MODULES, ...(opts.modules ?? [])], {
      encoding: 'utf8',
    });
    for (const line of deps.split('\n')) {
      const m = /^insmod (\S+)/.exec(line);
      if (!m?.[1]) continue;
      const rel = m[1].slice(src.length + 1);
      mkdirSync(dirname(join(dst, rel)), { recursive: true });
      cpSync(m[1], join(dst, rel));
    }
    for (const f of ['modules.order', 'modules.builtin', 'modules.builtin.modinfo']) cpSync(join(src, f), join(dst, f));
    execFileSync('depmod', ['-b', root, KV]);
    execFileSync('mknod', [join(root, 'dev', 'console'), 'c', '5', '1']);
    execFileSync('mknod', [join(root, 'dev', 'null'), 'c', '1', '3']);
    packImage(root, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
