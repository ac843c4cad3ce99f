import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeModuleTree, type ModuleTreeFixture } from '../kmod/test-fixtures.js';
import { assertBuilt, DEBIAN_CONFIG, debianConfigWith, KV, runCli, smallConf, snapshot } from '../../test/faults/cli-harness.js';
import { TEST_KV_RE } from '../../test/debian-kernel.js';

/**
 * `tsgenkernel check` on real trees and configs: one line per check, FAIL lines with a hint for
 * each fault it must find, exit 1 when anything fails, and nothing written anywhere.
 */
let work: string;
let plain: ModuleTreeFixture;
let gzip: ModuleTreeFixture;
let conf: string;

beforeAll(async () => {
  assertBuilt();
  work = mkdtempSync('/tmp/gk-check-');
  [plain, gzip] = await Promise.all([makeModuleTree('none', ['virtio_blk']), makeModuleTree('gzip', ['virtio_blk'])]);
  conf = smallConf(join(work, 'genkernel.conf'), ['virtio_blk']);
  mkdirSync(join(work, 'boot'));
  mkdirSync(join(work, 'empty-distdir'));
}, 60_000);
afterAll(async () => {
  await Promise.all([plain?.cleanup(), gzip?.cleanup()]);
  rmSync(work, { recursive: true, force: true });
});

function check(extra: string[], opts: { asUser?: string } = {}) {
  const args = ['check', `--config=${conf}`, `--kernel-version=${KV}`, `--kernel-modules-prefix=${plain.baseDir}`, `--kernel-config=${DEBIAN_CONFIG}`, `--bootdir=${join(work, 'boot')}`, `--tmpdir=${join(work, 'tmp')}`, `--cachedir=${join(work, 'cache')}`, ...extra];
  const r = runCli(args, opts);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const fails = lines.filter((l) => l.startsWith('FAIL'));
  return { ...r, lines, fails };
}

const configWith = (name: string, on: string[], off: string[]) => {
  const p = join(work, name);
  writeFileSync(p, debianConfigWith(on, off));
  return p;
};

describe('tsgenkernel check', () => {
  it('passes on a good setup, one status line per check, and writes nothing', () => {
    const before = { work: snapshot(work), tree: snapshot(plain.baseDir) };
    const r = check(['--no-busybox', '--no-kmod']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const l of r.lines) expect(l).toMatch(/^(ok  |warn|FAIL) [a-z][\w -]*: /);
    const names = r.lines.map((l) => l.slice(5).split(':')[0]);
    expect(names).toEqual(expect.arrayContaining(['user', 'kernel', 'free space', 'temp dir', 'module compression', 'module index', 'modules', 'initramfs compression', 'static tools']));
    expect(r.stdout).toMatch(new RegExp(String.raw`^ok {3}module index: \d+ modules indexed in .*lib/modules/${TEST_KV_RE}$`, 'm'));
    expect(snapshot(work)).toEqual(before.work);
    expect(snapshot(plain.baseDir)).toEqual(before.tree);
  });

  it('fails when the host kmod cannot read the kernel module compression (gzip: Debian kmod is -ZLIB)', () => {
    const cfg = configWith('config-gzip', ['CONFIG_MODULE_COMPRESS_GZIP'], ['CONFIG_MODULE_COMPRESS_NONE']);
    const r = check(['--no-busybox', '--no-kmod', `--kernel-modules-prefix=${gzip.baseDir}`, `--kernel-config=${cfg}`]);
    expect(r.code).toBe(1);
    expect(r.fails.join('\n')).toMatch(/FAIL module compression: the kernel compresses modules with gzip .* — rebuild kmod with ZLIB support/);
    expect(r.stderr).toMatch(/tsgenkernel: 1 check failed/);
  });

  it('fails when the kernel cannot unpack the chosen initramfs compression', () => {
    const cfg = configWith('config-no-rd-zstd', [], ['CONFIG_RD_ZSTD']);
    const r = check(['--no-busybox', '--no-kmod', `--kernel-config=${cfg}`, '--compress-initramfs-type=zstd']);
    expect(r.fails.join('\n')).toMatch(/FAIL initramfs compression: the kernel cannot unpack a zstd initramfs: CONFIG_RD_ZSTD is not set — pick a type/);
    // 'best' picks one the kernel has instead.
    const best = check(['--no-busybox', '--no-kmod', `--kernel-config=${cfg}`, '--compress-initramfs-type=best']);
    expect(best.stdout).toMatch(/^ok {3}initramfs compression: xz -6 \(kernel unpacks: xz lzma gzip bzip2 lz4 lzo\)/m);
  });

  it('fails for each missing source tarball when nothing is cached, naming the fetch script', () => {
    const r = check([`--distdir=${join(work, 'empty-distdir')}`]);
    expect(r.code).toBe(1);
    const names = r.fails.map((l) => /FAIL distfile (\w+):/.exec(l)?.[1]).filter(Boolean);
    expect(names).toEqual(expect.arrayContaining(['busybox', 'kmod']));
    expect(r.fails.join('\n')).toMatch(/is not in .*empty-distdir and nothing is cached — run .*scripts\/fetch-distfiles/);
  });

  it('fails on too little free space in the boot dir', () => {
    const boot = join(work, 'tiny-boot');
    mkdirSync(boot);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', boot]);
    try {
      const r = check(['--no-busybox', '--no-kmod', `--bootdir=${boot}`, '--check-free-disk-space-bootdir=10']);
      expect(r.fails.join('\n')).toMatch(/FAIL free space: .*tiny-boot has 1 MB free; --check-free-disk-space-bootdir asks for 10 MB — free space/);
    } finally {
      spawnSync('umount', [boot]);
    }
  });

  it('says FAIL for a user who is not root and cannot write the boot dir', () => {
    execFileSync('chmod', ['-R', 'a+rX', work, plain.baseDir]);
    const r = check(['--no-busybox', '--no-kmod'], { asUser: 'nobody' });
    expect(r.code).toBe(1);
    expect(r.fails.join('\n')).toMatch(/FAIL user: boot dir .*boot is not writable \(you are not root\) — run tsgenkernel as root/);
  });

  it('fails on a module index that a build would refuse (modules.dep missing), without running depmod', () => {
    const prefix = join(work, 'no-dep');
    execFileSync('cp', ['-a', plain.baseDir, prefix]);
    rmSync(join(prefix, 'lib/modules', KV, 'modules.dep'));
    const before = snapshot(prefix);
    const r = check(['--no-busybox', '--no-kmod', `--kernel-modules-prefix=${prefix}`]);
    expect(r.fails.join('\n')).toMatch(/FAIL module index: .*modules\.dep is missing although \d+ module files are installed — run `depmod/);
    expect(snapshot(prefix)).toEqual(before);
  });

  it("reports the select-modules stage's own findings as warn lines, not as log warnings", () => {
    // The shipped module groups against a one-module tree: most of them are not built, which is
    // normal for a generic list (no word). The module --btrfs needs is a finding.
    const emptyConf = join(work, 'empty.conf');
    writeFileSync(emptyConf, '');
    const r = check(['--no-busybox', '--no-kmod', '--btrfs', `--config=${emptyConf}`]);
    expect(r.stdout).toMatch(/^ok {3}modules: \d+ modules \(/m);
    expect(r.stdout).toMatch(/^warn modules: module btrfs is not built for this kernel .* — /m);
    expect(r.stdout).not.toMatch(/ahci|sata_/);
    expect(r.stderr).not.toMatch(/WARNING/);
  });

  it('reports a kernel it cannot resolve as FAIL and goes on with the other checks', () => {
    const r = check(['--no-busybox', '--no-kmod', `--kernel-config=${join(work, 'none')}`]);
    expect(r.fails.join('\n')).toMatch(/FAIL kernel: kernel config .*none does not exist — pass an existing file/);
    expect(r.stdout).toMatch(/^ok {3}temp dir:/m);
  });
});
