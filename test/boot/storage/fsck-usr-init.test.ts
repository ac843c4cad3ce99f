/**
 * initrd.lib/fsck.sh and usr.sh choices on the host (see fragment-harness.ts), against a stand-in
 * fsck.ext4: what each exit code leads to, no check without a checker, and how the root's
 * fstab line for /usr becomes a mount. The QEMU runs are in usr-fsck.test.ts.
 */
import { describe, test, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFragments } from './fragment-harness.js';

const fsck = (rc: number) => runFragments({ fragments: [], cmdline: 'root=/dev/x', tools: { 'fsck.ext4': `exit ${rc}` }, steps: 'gk_fsck /dev/x ext4 root && echo GO-ON' });

describe('fsck before mounting', () => {
  test.each([
    [0, 'fsck: root /dev/x is clean'],
    [1, 'fsck: errors on root /dev/x were corrected (fsck.ext4 exit code 1)'],
    [2, 'fsck: errors on root /dev/x were corrected (fsck.ext4 exit code 2)'],
  ])('exit code %i: the boot goes on', (rc, line) => {
    const r = fsck(rc);
    expect(r.calls).toContain('fsck.ext4 -p /dev/x');
    expect(r.output).toContain(line);
    expect(r.output).toContain('GO-ON');
  });

  test('exit code 4: the boot stops with the code and the rescue path', () => {
    const r = fsck(4);
    expect(r.output).toContain('BOOT FAILED: fsck.ext4 left errors on root /dev/x that need a decision (exit code 4)');
    expect(r.output).toContain('RESCUE-SHELL');
    expect(r.output).not.toContain('GO-ON');
  });

  test('no checker in the image (btrfs, or no --e2fsprogs): nothing runs', () => {
    const r = runFragments({ fragments: [], cmdline: '', tools: { 'fsck.ext4': 'exit 0' }, steps: 'gk_fsck /dev/x btrfs root && echo GO-ON' });
    expect(r.calls.filter((c) => c.startsWith('fsck'))).toEqual([]);
    expect(r.output).toContain('GO-ON');
  });
});

describe('separate /usr from the root fstab', () => {
  test('the /usr line is found among comments and other mounts; fstab-only options are left out, the mode is the root one', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsgk-newroot-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'fstab'), '# /usr\nUUID=aa / ext4 defaults 0 1\n\nPARTUUID=1234-02\t/usr\text4\tdefaults,noatime,nofail,x-systemd.device-timeout=5,errors=remount-ro\t0 2\n/dev/sdc /home ext4 defaults 0 2\n');
    const r = runFragments({ fragments: [], cmdline: 'rw', tools: {}, steps: `GK_NEWROOT='${root}'; gk_fstab_usr; gk_usr_mount_options defaults,noatime,nofail,x-systemd.device-timeout=5,errors=remount-ro,ro` });
    expect(r.output).toContain('PARTUUID=1234-02 ext4 defaults,noatime,nofail,x-systemd.device-timeout=5,errors=remount-ro 2');
    expect(r.output).toContain('rw,noatime,errors=remount-ro');
  });

  test('no fstab, or no /usr in it: nothing to do', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsgk-newroot-'));
    const r = runFragments({ fragments: [], cmdline: '', tools: {}, steps: `GK_NEWROOT='${root}'; gk_mount_usr && echo NOTHING` });
    expect(r.output.trim()).toBe('NOTHING');
  });

  test('a /usr device that never appears: a bounded wait, then the failure names the fstab line', () => {
    const root = mkdtempSync(join(tmpdir(), 'tsgk-newroot-'));
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', 'fstab'), 'LABEL=gone /usr ext4 defaults 0 2\n');
    const r = runFragments({ fragments: [], cmdline: '', tools: {}, setup: 'gk_resolve_root() { GK_ROOT_TRIED="findfs $1"; return 1; }', steps: `GK_NEWROOT='${root}'; gk_mount_usr` });
    expect(r.output).toContain("waiting up to 1 s for the /usr device LABEL=gone (the root's /etc/fstab)");
    expect(r.output).toContain("BOOT FAILED: the /usr device LABEL=gone (from the root's /etc/fstab) did not appear within 1 s");
    expect(r.output).toContain('RESCUE-SHELL');
  });
});
