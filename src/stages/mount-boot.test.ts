import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCleanups } from '../pipeline.js';
import { disposeTestContexts, kernelTestContext } from '../../test/kernel/context.js';
import { createMountBootStage, decideMountBoot, fstabMountPoints, mountedPoints } from './mount-boot.js';
import { unmountBootStage } from './unmount-boot.js';

const FSTAB = `# /etc/fstab: static file system information.
UUID=1111-2222  /               ext4  errors=remount-ro  0 1
UUID=AAAA-BBBB  /boot           vfat  noauto,umask=0077  0 2
/dev/sdb1       /mnt/with\\040space  ext4 defaults 0 2
/swapfile       none            swap  sw                 0 0
`;
// The layout of /proc/self/mountinfo: id parent maj:min root mountpoint options ...
const mountinfo = (lines: string[]) => lines.map((l, i) => `${20 + i} 1 8:${i} / ${l} - ext4 /dev/x rw`).join('\n');

describe('mountboot decision', () => {
  it('reads fstab mount points (escapes undone, swap skipped)', () => {
    expect([...fstabMountPoints(FSTAB)].sort()).toEqual(['/', '/boot', '/mnt/with space']);
  });

  it('mounts a /boot that is in fstab and not mounted', () => {
    expect(decideMountBoot('/boot', FSTAB, mountinfo(['/ rw,relatime'])).action).toBe('mount');
    expect(decideMountBoot('/boot/', FSTAB, mountinfo(['/ rw,relatime'])).action).toBe('mount');
  });

  it('leaves a mounted read-write /boot alone, remounts a read-only one', () => {
    expect(decideMountBoot('/boot', FSTAB, mountinfo(['/ rw', '/boot rw,noatime'])).action).toBe('none');
    expect(decideMountBoot('/boot', FSTAB, mountinfo(['/ rw', '/boot ro,noatime'])).action).toBe('remount-rw');
  });

  it('does nothing for a boot dir without its own fstab entry', () => {
    expect(decideMountBoot('/srv/boot', FSTAB, mountinfo(['/ rw'])).action).toBe('none');
    expect(decideMountBoot('/boot', '', '').action).toBe('none');
  });

  it("reads this machine's real mountinfo: / is mounted", async () => {
    const real = mountedPoints(await readFile('/proc/self/mountinfo', 'utf8'));
    expect(real.has('/')).toBe(true);
    expect(real.has('/proc')).toBe(true);
  });
});

describe('mount-boot / unmount-boot stages', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsgk-mountboot-'));
    await writeFile(join(dir, 'fstab'), FSTAB);
    await writeFile(join(dir, 'mountinfo-unmounted'), mountinfo(['/ rw']));
    await writeFile(join(dir, 'mountinfo-ro'), mountinfo(['/ rw', '/boot ro']));
  });
  afterAll(async () => {
    await disposeTestContexts();
    await rm(dir, { recursive: true, force: true });
  });

  function stages(mountinfoFile: string) {
    const calls: string[] = [];
    const mount = createMountBootStage({
      fstabPath: join(dir, 'fstab'),
      mountinfoPath: join(dir, mountinfoFile),
      exec: async (cmd, args) => {
        calls.push([cmd, ...args].join(' '));
      },
    });
    return { mount, restore: unmountBootStage, calls };
  }

  it('mounts, then unmounts at the end exactly once (stage and cleanup both run)', async () => {
    const { mount, restore, calls } = stages('mountinfo-unmounted');
    const t = await kernelTestContext({ BOOTDIR: '/boot', MOUNTBOOT: true });
    expect(mount.enabled(t.ctx)).toBe(true);
    expect(restore.enabled(t.ctx)).toBe(false);
    await mount.run(t.ctx);
    expect(calls).toEqual(['mount /boot']);
    expect(restore.enabled(t.ctx)).toBe(true);
    await restore.run(t.ctx);
    await runCleanups(t.ctx);
    expect(calls).toEqual(['mount /boot', 'umount /boot']);
  });

  it('puts a read-only /boot back to read-only when the run fails', async () => {
    const { mount, calls } = stages('mountinfo-ro');
    const t = await kernelTestContext({ BOOTDIR: '/boot', MOUNTBOOT: true });
    await mount.run(t.ctx);
    await runCleanups(t.ctx);
    expect(calls).toEqual(['mount -o remount,rw /boot', 'mount -o remount,ro /boot']);
  });

  it('is off with --no-mountboot and touches nothing when /boot is not in fstab', async () => {
    const { mount, calls } = stages('mountinfo-unmounted');
    const off = await kernelTestContext({ BOOTDIR: '/boot', MOUNTBOOT: false });
    expect(mount.enabled(off.ctx)).toBe(false);
    const elsewhere = await kernelTestContext({ BOOTDIR: join(dir, 'boot'), MOUNTBOOT: true });
    await mount.run(elsewhere.ctx);
    expect(calls).toEqual([]);
  });
});
