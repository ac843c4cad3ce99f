/**
 * Issue 2's acceptance at the command line: the real CLI over real (recompressed) Debian module
 * trees. A .ko.gz kernel is refused because this host's kmod has no zlib; a .ko.zst kernel gets an
 * image whose listing shows the modules, their modules.dep and the init.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeModuleTree, REAL_KV, type ModuleTreeFixture } from '../../src/kmod/test-fixtures.js';
import { configWithCompression, runCli, writeGroupConf } from './run-cli.js';

let work: string;
const trees: ModuleTreeFixture[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tsgk-cli-'));
});
afterAll(async () => {
  for (const t of trees) await t.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function commonArgs(tree: ModuleTreeFixture, config: string, boot: string): string[] {
  const conf = writeGroupConf(join(work, 'genkernel.conf'), { MODULES_FS: 'ext4', MODULES_VIRTIO: 'virtio_pci virtio_blk' });
  return [
    'initramfs',
    `--config=${conf}`,
    `--kernel-version=${REAL_KV}`,
    `--kernel-modules-prefix=${tree.baseDir}`,
    `--kernel-config=${config}`,
    `--bootdir=${boot}`,
    '--no-mountboot',
    `--tmpdir=${join(work, 'tmp')}`,
    `--logfile=${join(work, 'log')}`,
  ];
}

describe('tsgenkernel initramfs', () => {
  it('refuses gzip modules that the host kmod cannot read, and writes nothing', async () => {
    const tree = await makeModuleTree('gzip', ['ext4', 'virtio_blk']);
    trees.push(tree);
    const boot = mkdtempSync(join(work, 'boot-'));
    const r = runCli(commonArgs(tree, configWithCompression(join(work, 'config-gz'), 'GZIP'), boot));
    expect(r.status).not.toBe(0);
    // Stage lines may precede it; the error itself is one line.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('tsgenkernel: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/gzip/);
    expect(lines[0]).toMatch(/-ZLIB/);
    expect(lines[0]).toMatch(/rebuild kmod with ZLIB support/);
    expect(lines[0]).toMatch(/CONFIG_MODULE_COMPRESS_ZSTD=y/);
    expect(readdirSync(boot)).toEqual([]);
  });

  it('builds an image from .ko.zst modules whose listing shows the modules, modules.dep and the init', async () => {
    const tree = await makeModuleTree('zstd', ['ext4', 'virtio_pci', 'virtio_blk']);
    trees.push(tree);
    const boot = mkdtempSync(join(work, 'boot-'));
    const args = commonArgs(tree, configWithCompression(join(work, 'config-zst'), 'ZSTD'), boot);
    const r = runCli(args);
    expect(r.stderr).not.toMatch(/WARNING|ERROR|error/);
    expect(r.stderr).toMatch(/initramfs: .*\(.* MiB, zstd -\d+, \d+ modules\)/);
    expect(r.status).toBe(0);
    const image = join(boot, `initramfs-${REAL_KV}.img`);
    expect(readdirSync(boot)).toEqual([`initramfs-${REAL_KV}.img`]);

    const listing = runCli(['inspect', image]);
    expect(listing.status).toBe(0);
    const names = listing.stdout.split('\n').map((l) => l.split(/\s+/).pop());
    expect(names).toContain('init');
    expect(names).toContain('bin/kmod');
    for (const m of ['kernel/fs/ext4/ext4.ko', 'kernel/fs/jbd2/jbd2.ko', 'kernel/drivers/block/virtio_blk.ko', 'kernel/arch/x86/crypto/crc32c-intel.ko', 'kernel/crypto/crc32c_generic.ko']) {
      expect(names).toContain(`lib/modules/${REAL_KV}/${m}`);
    }
    const dep = runCli(['inspect', image, `--cat=/lib/modules/${REAL_KV}/modules.dep`]);
    expect(dep.stdout).toMatch(/^kernel\/fs\/ext4\/ext4\.ko: kernel\/lib\/crc16\.ko kernel\/fs\/mbcache\.ko kernel\/fs\/jbd2\/jbd2\.ko$/m);

    // Kept as shipped: the image carries the .ko.zst files and an index that names them.
    const keptBoot = mkdtempSync(join(work, 'boot-'));
    const kept = runCli([...args.filter((a) => !a.startsWith('--bootdir')), `--bootdir=${keptBoot}`, '--no-decompress-modules']);
    expect(kept.status).toBe(0);
    const keptDep = runCli(['inspect', join(keptBoot, `initramfs-${REAL_KV}.img`), `--cat=lib/modules/${REAL_KV}/modules.dep`]);
    expect(keptDep.stdout).toMatch(/^kernel\/fs\/ext4\/ext4\.ko\.zst: /m);
  });

  it('adds the --initramfs-overlay directory last, so its files override the shipped ones', async () => {
    const tree = await makeModuleTree('zstd', ['ext4', 'virtio_pci', 'virtio_blk']);
    trees.push(tree);
    const overlay = join(work, 'overlay');
    mkdirSync(join(overlay, 'etc'), { recursive: true });
    writeFileSync(join(overlay, 'etc', 'initrd.defaults'), "REAL_ROOT='/dev/from-overlay'\n");
    writeFileSync(join(overlay, 'etc', 'motd'), 'hello from the overlay\n');
    const boot = mkdtempSync(join(work, 'boot-'));
    const args = commonArgs(tree, configWithCompression(join(work, 'config-ov'), 'ZSTD'), boot);
    expect(runCli([...args, `--initramfs-overlay=${overlay}`, '--real-root=/dev/from-option']).status).toBe(0);
    const image = join(boot, `initramfs-${REAL_KV}.img`);
    expect(runCli(['inspect', image, '--cat=etc/motd']).stdout).toBe('hello from the overlay\n');
    expect(runCli(['inspect', image, '--cat=etc/initrd.defaults']).stdout).toBe("REAL_ROOT='/dev/from-overlay'\n");
  });
});
