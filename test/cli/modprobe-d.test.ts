/**
 * The host's modprobe.d in the image (genkernel's --modprobedir): options, blacklist, softdep and
 * install lines travel, so the image's kmod applies them at boot as the running system does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, writeGroupConf } from './run-cli.js';
import { TEST_KV } from '../debian-kernel.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tsgk-modprobe-d-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('--modprobedir', () => {
  it("ships the directive lines of the host's modprobe.d files, and none with --modprobedir=''", () => {
    const dir = join(work, 'modprobe.d');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'local.conf'),
      '# a comment\noptions virtio_blk num_request_queues=1\nblacklist floppy\nsoftdep ext4 pre: crc32c\nsoftdep virtio_blk post: loop\ninstall pcspkr /bin/true\nsomething else\noptions loop \\\n  max_loop=4\n',
    );
    writeFileSync(join(dir, 'notes.txt'), 'options ignored 1\n');
    writeFileSync(join(dir, 'empty.conf'), '# only comments\n');
    const conf = writeGroupConf(join(work, 'g.conf'), { MODULES_FS: 'ext4', MODULES_VIRTIO: 'virtio_pci virtio_blk' });
    const build = (boot: string, extra: string[]) =>
      runCli(['initramfs', `--config=${conf}`, `--kernel-version=${TEST_KV}`, `--bootdir=${boot}`, '--no-mountboot', `--tmpdir=${join(work, 'tmp')}`, `--logfile=${join(work, 'log')}`, ...extra]);
    const boot = join(work, 'boot');
    mkdirSync(boot);
    const r = build(boot, [`--modprobedir=${dir}`]);
    expect(r.status, r.stderr).toBe(0);
    const image = join(boot, `initramfs-${TEST_KV}.img`);
    expect(runCli(['inspect', image, '--cat=etc/modprobe.d/local.conf']).stdout).toBe(
      'options virtio_blk num_request_queues=1\nblacklist floppy\nsoftdep ext4 pre: crc32c\nsoftdep virtio_blk post: loop\ninstall pcspkr /bin/true\noptions loop max_loop=4\n',
    );
    const listing = runCli(['inspect', image]).stdout;
    expect(listing).not.toMatch(/notes\.txt|empty\.conf/);
    // Only the directory asked for: nothing of the build host's own /etc/modprobe.d or /lib/modprobe.d.
    expect(listing.split('\n').filter((l) => /modprobe\.d\//.test(l)).map((l) => l.split(/\s+/).pop())).toEqual(['etc/modprobe.d/local.conf']);
    // Its softdeps are followed when the image is planned: loop comes in only through this file.
    expect(listing).toMatch(/\/loop\.ko\b/);

    const none = join(work, 'boot-none');
    mkdirSync(none);
    expect(build(none, ['--modprobedir=']).status).toBe(0);
    expect(runCli(['inspect', join(none, `initramfs-${TEST_KV}.img`)]).stdout).not.toMatch(/modprobe\.d/);

    // A directory named that does not exist is refused before anything is written.
    const missing = join(work, 'boot-missing');
    mkdirSync(missing);
    const bad = build(missing, [`--modprobedir=${join(work, 'nope')}`]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/MODPROBEDIR .*nope is not a directory/);
    expect(readdirSync(missing)).toEqual([]);
  });
});
