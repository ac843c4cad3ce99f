/**
 * --e2fsprogs and a separate /usr (project issue 15): the root is checked with fsck.ext4 -p
 * before it is mounted, shown on an ext4 root whose journal truly needs recovery (a helper QEMU
 * run writes to it and powers off hard, dirty-init); /usr on a second disk, named in the root's
 * /etc/fstab, is checked and mounted before switch_root, and the root's init prints a line read
 * from it (usr-init).
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, REPO, type BootFixture } from '../fixture.js';
import { bootImage, initLines, type BootResult } from '../qemu.js';
import { buildImageOk, listImage } from '../build-image.js';
import { expectRealRoot } from '../one-root.js';
import { hostDisk, rootTree, writableCopy } from './host-disks.js';

const INITS = join(REPO, 'test', 'boot', 'root-disk');
const USR_LINE = 'TSGK-USR-CONTENT-7d3f';

let fx: BootFixture;
let image: string;
let work: string;
const timings: string[] = [];

beforeAll(() => {
  fx = bootFixture();
  work = mkdtempSync(join(fx.scratch, 'usr-fsck-'));
  const built = buildImageOk(fx, ['--e2fsprogs'], 'e2fsprogs');
  timings.push(`build --e2fsprogs: ${built.ms} ms`);
  image = built.image;
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`fsck and /usr:\n  ${timings.join('\n  ')}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The decoy (vda), then `disks`, then `writable` (attached without snapshot). */
async function boot(label: string, disks: string[], append: string, writable?: string): Promise<BootResult> {
  const r = await bootImage({
    kernel: fx.kernel,
    initramfs: image,
    disks: [fx.decoyDisk, ...disks],
    extraArgs: writable ? ['-drive', `file=${writable},if=virtio,format=raw`] : [],
    append,
    timeoutMs: 180_000,
  });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}

describe('--e2fsprogs', () => {
  test('the image carries e2fsck with its libraries and the fsck.ext2/3/4 names', () => {
    const files = listImage(image);
    for (const f of ['sbin/e2fsck', 'sbin/fsck.ext4', 'sbin/fsck.ext2', 'etc/mtab']) expect(files).toContain(f);
    expect(files.some((f) => /libext2fs\.so/.test(f))).toBe(true);
  });

  test('an ext4 root whose journal needs recovery is checked (fsck.ext4 -p replays it) before it is mounted', async () => {
    const disk = writableCopy(hostDisk(fx, 'fsck-root', { fs: 'ext4', label: 'tsgkfsck', mb: 32, tree: rootTree(join(INITS, 'dirty-init')) }), work, 'fsck-root');
    const dirty = await boot('fsck: dirty the root', [], 'root=/dev/vdb tsgk.dirty', disk);
    expect(dirty.output, initLines(dirty.output)).toContain('TSGK-DIRTIED');
    // Proof from the host that the journal is unclean, before the boot that checks it.
    const sb = execFileSync('dumpe2fs', ['-h', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(sb).toMatch(/^Filesystem features:.*needs_recovery/m);

    const r = await boot('fsck: check and boot', [], 'root=/dev/vdb', disk);
    const lines = initLines(r.output);
    expect(r.output, lines).toContain('fsck: checking root /dev/vdb (ext4) with fsck.ext4 -p');
    expect(r.output, lines).toContain('tsgkfsck: recovering journal');
    expect(r.output, lines).toMatch(/fsck: (errors on root \/dev\/vdb were corrected \(fsck.ext4 exit code [123]\)|root \/dev\/vdb is clean)/);
    expect(r.output.indexOf('recovering journal')).toBeLessThan(r.output.indexOf('mounting /dev/vdb'));
    expectRealRoot(r);
    expect(execFileSync('dumpe2fs', ['-h', disk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).not.toMatch(/^Filesystem features:.*needs_recovery/m);
  }, 400_000);
});

describe('separate /usr', () => {
  test("/usr from the root's /etc/fstab (LABEL=) is checked and mounted before switch_root", async () => {
    const root = hostDisk(fx, 'usr-root', { fs: 'ext4', label: 'tsgkusrroot', mb: 32, tree: rootTree(join(INITS, 'usr-init'), { 'etc/fstab': '# the separate /usr\nLABEL=tsgkusr /usr ext4 defaults,noatime 0 2\n' }) });
    const usr = hostDisk(fx, 'usr', { fs: 'ext4', label: 'tsgkusr', mb: 16, tree: { 'share/tsgk/usr-line': `${USR_LINE}\n` } });
    const r = await boot('/usr on a second disk', [root, usr], 'root=/dev/vdb');
    const lines = initLines(r.output);
    expect(r.output, lines).toContain('fsck: checking /usr /dev/vdc (ext4) with fsck.ext4 -p');
    expect(r.output, lines).toContain(`mounting /usr: /dev/vdc (ext4, ro,noatime) on /newroot/usr`);
    expect(r.output, lines).toContain(`TSGK-USR-LINE: ${USR_LINE}`);
    expectRealRoot(r);
  }, 300_000);
});
