/**
 * The bench's root disk: the boot fixture's (static busybox + the sentinel /sbin/init) plus an
 * /etc/os-release. dracut's systemd initrd refuses to switch into a root without os-release
 * ("does not seem to be an OS tree"), and every real root has one; all three tools boot this
 * same disk. Its /sbin/init first prints the guest's /proc/uptime (the end of the initramfs's
 * share of the boot, bench/boot.ts), then runs the fixture's init.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DISK_INIT, ROOT_LABEL, ROOT_UUID } from '../test/boot/fixture.js';

export function benchRootDisk(work: string): string {
  const img = join(work, 'root-os-release.img');
  const dir = join(work, 'root-os-release');
  rmSync(dir, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'etc', 'proc', 'sys', 'dev', 'run', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  copyFileSync(ROOT_DISK_INIT, join(dir, 'sbin', 'init.fixture'));
  chmodSync(join(dir, 'sbin', 'init.fixture'), 0o755);
  writeFileSync(
    join(dir, 'sbin', 'init'),
    '#!/bin/busybox sh\n/bin/busybox mount -t proc proc /proc 2>/dev/null\necho "TSGK-UPTIME: $(/bin/busybox cat /proc/uptime)"\nexec /sbin/init.fixture "$@"\n',
    { mode: 0o755 },
  );
  writeFileSync(join(dir, 'etc', 'os-release'), 'NAME="tsgenkernel bench root"\nID=tsgk-bench\n');
  if (existsSync(img)) rmSync(img);
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', dir, '-L', ROOT_LABEL, '-U', ROOT_UUID, img, '32M'], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  return img;
}
