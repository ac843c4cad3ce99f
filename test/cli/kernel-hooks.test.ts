/**
 * Issue 14: the distribution's kernel hooks, run the way the distribution runs them, on the real
 * installed kernel (TEST_KV). The hooks go into a temp root (install-hooks --root), the kernel image
 * is linked into a temp boot dir, and TSGENKERNEL_CONF names a conf for the test: the real /etc/kernel
 * and /boot are never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, writeGroupConf } from './run-cli.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';
import { TEST_KERNEL_IMAGE, TEST_KV } from '../debian-kernel.js';

let work: string;
let root: string;
let goodConf: string;
let badConf: string;
const image = `initramfs-${TEST_KV}.img`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tsgk-kernel-hooks-'));
  root = join(work, 'root');
  const common = `CACHE_DIR="${TEST_CACHEDIR}"\nDISTDIR="${TEST_DISTDIR}"\nTMPDIR="${join(work, 'tmp')}"\nLOGFILE="${join(work, 'log')}"\nNOCOLOR="true"\n`;
  goodConf = writeGroupConf(join(work, 'good.conf'), { MODULES_FS: 'ext4', MODULES_VIRTIO: 'virtio_pci virtio_blk' }, common);
  badConf = writeGroupConf(join(work, 'bad.conf'), { MODULES_FS: 'ext4 no_such_module_anywhere' }, common);
  const r = runCli(['install-hooks', `--root=${root}`]);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bootDir(name: string): string {
  const boot = join(work, name);
  mkdirSync(boot);
  symlinkSync(TEST_KERNEL_IMAGE, join(boot, `vmlinuz-${TEST_KV}`));
  return boot;
}

function run(cmd: string, args: string[], conf: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, TSGENKERNEL_CONF: conf, NO_COLOR: '1', ...extraEnv }, timeout: 10 * 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

const plugin = () => join(root, 'etc/kernel/install.d/50-tsgenkernel.install');

function kernelInstall(action: 'add' | 'remove', boot: string, conf: string) {
  const args = action === 'add' ? ['add', TEST_KV, join(boot, `vmlinuz-${TEST_KV}`)] : ['remove', TEST_KV];
  // Only our plugin runs, and BOOT_ROOT keeps kernel-install's own bookkeeping in the temp boot dir.
  return run('kernel-install', args, conf, { KERNEL_INSTALL_PLUGINS: plugin(), BOOT_ROOT: boot });
}

describe('kernel hooks', () => {
  it('kernel-install add builds the initramfs for KV, kernel-install remove removes it', () => {
    const boot = bootDir('boot-ki');
    const add = kernelInstall('add', boot, goodConf);
    expect(add.status, add.out).toBe(0);
    expect(existsSync(join(boot, image))).toBe(true);
    const listing = runCli(['inspect', join(boot, image)]).stdout;
    expect(listing).toMatch(/ext4\.ko/);
    // kernel-install remove passes no image path: the boot dir comes from the conf.
    const confWithBoot = writeGroupConf(join(work, 'boot-ki.conf'), { MODULES_FS: 'ext4' }, `${readFileSync(goodConf, 'utf8')}\nBOOTDIR="${boot}"\n`);
    const remove = kernelInstall('remove', boot, confWithBoot);
    expect(remove.status, remove.out).toBe(0);
    expect(existsSync(join(boot, image))).toBe(false);
  });

  it('run-parts on postinst.d builds it, on postrm.d removes it', () => {
    const boot = bootDir('boot-rp');
    const args = [`--arg=${TEST_KV}`, `--arg=${join(boot, `vmlinuz-${TEST_KV}`)}`];
    const add = run('run-parts', [...args, join(root, 'etc/kernel/postinst.d')], goodConf);
    expect(add.status, add.out).toBe(0);
    expect(existsSync(join(boot, image))).toBe(true);
    const rm = run('run-parts', [...args, join(root, 'etc/kernel/postrm.d')], goodConf);
    expect(rm.status, rm.out).toBe(0);
    expect(readdirSync(boot)).toEqual([`vmlinuz-${TEST_KV}`]);
  });

  it('a failing build leaves the previous image and exits non-zero, through both hook kinds', () => {
    const boot = bootDir('boot-fail');
    const args = [`--arg=${TEST_KV}`, `--arg=${join(boot, `vmlinuz-${TEST_KV}`)}`];
    expect(run('run-parts', [...args, join(root, 'etc/kernel/postinst.d')], goodConf).status).toBe(0);
    const before = readFileSync(join(boot, image));
    const viaRunParts = run('run-parts', [...args, join(root, 'etc/kernel/postinst.d')], badConf);
    expect(viaRunParts.status).not.toBe(0);
    expect(viaRunParts.out).toMatch(/no_such_module_anywhere/);
    const viaKernelInstall = kernelInstall('add', boot, badConf);
    expect(viaKernelInstall.status).not.toBe(0);
    expect(readFileSync(join(boot, image)).equals(before)).toBe(true);
  });

  it('uninstall removes the hooks', () => {
    const r = runCli(['install-hooks', '--uninstall', `--root=${root}`]);
    expect(r.status).toBe(0);
    expect(existsSync(plugin())).toBe(false);
    expect(existsSync(join(root, 'etc/kernel/postinst.d/zz-tsgenkernel'))).toBe(false);
  });
});
