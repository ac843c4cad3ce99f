/**
 * Roots that need more than a driver (project issue 6): LUKS, LVM, md RAID1, LVM on LUKS,
 * btrfs raid1. Disks come from disks.ts (prepared inside QEMU, cached); images are built by
 * `tsgenkernel initramfs` against the fixture's zstd module tree. A scenario passes when the
 * root's /sbin/init prints its sentinel.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootFixture, type BootFixture } from '../fixture.js';
import { bootImage, initLines, type BootOptions, type BootResult } from '../qemu.js';
import { buildImage, buildImageOk, listImage } from '../build-image.js';
import { storageDisks, mdadmConf, STORAGE, type StorageDisks } from './disks.js';

let fx: BootFixture;
let disks: StorageDisks;
const timings: string[] = [];

beforeAll(async () => {
  fx = bootFixture();
  const d = await storageDisks(fx);
  disks = d.disks;
  timings.push(`disks: ${d.prepared ? `prepared in QEMU in ${d.ms} ms` : 'from the cache'}`);
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`storage scenarios:\n  ${timings.join('\n  ')}`);
});

const images = new Map<string, string>();
function image(key: string, args: string[]): string {
  let img = images.get(key);
  if (!img) {
    const built = buildImageOk(fx, args, key);
    timings.push(`build ${key} (${args.join(' ')}): ${built.ms} ms`);
    img = built.image;
    images.set(key, img);
  }
  return img;
}
/** One image with every stack; RAID with a shipped mdadm.conf gets its own. */
const storageImage = () => image('storage', ['--luks', '--lvm', '--mdadm', '--btrfs']);

async function boot(label: string, initramfs: string, attach: Array<keyof StorageDisks>, append: string, extra: Partial<BootOptions> = {}): Promise<BootResult> {
  const r = await bootImage({ kernel: fx.kernel, initramfs, disks: attach.map((d) => disks[d]), append, timeoutMs: 120_000, ...extra });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}
const typePassphrase = (times = 1, text: string = STORAGE.passphrase) =>
  Array.from({ length: times }, () => ({ after: 'Enter passphrase for', text: `${text}\n` }));
/** TSGK-DM lines of the root's init: dm name -> its udev database record (one line). */
function dmRecords(out: string): Record<string, string> {
  return Object.fromEntries([...out.matchAll(/TSGK-DM: dm-\d+ (\S+) udev-db: (.*)/g)].map((m) => [m[1]!, m[2]!.trim()]));
}
/** What the root's init saw mounted as / (device and filesystem type). */
const rootMount = (out: string) => /TSGK-ROOT-MOUNT: (.*)/.exec(out)?.[1] ?? '';

describe('storage roots', () => {
  test('--zfs on a host without zpool: the build stops naming it, nothing installed', () => {
    const r = buildImage(fx, ['--zfs'], 'zfs-missing');
    timings.push(`build --zfs without zpool: exit ${r.exitCode} after ${r.ms} ms`);
    expect(r.exitCode).not.toBe(0);
    expect(r.output).toContain('--zfs needs zpool');
    expect(r.bootDirEntries).toEqual([]);
  });

  test('image contents: tools with their libraries, modules, fragments', () => {
    const files = listImage(storageImage());
    for (const f of ['sbin/cryptsetup', 'sbin/lvm', 'sbin/mdadm', 'sbin/btrfs', 'etc/lvm/lvm.conf', 'lib64/ld-linux-x86-64.so.2']) expect(files).toContain(f);
    for (const f of ['20-mdadm.sh', '30-luks.sh', '40-lvm.sh', '50-btrfs.sh']) expect(files).toContain(`etc/initrd.d/${f}`);
    expect(files).not.toContain('etc/initrd.d/60-zfs.sh');
    expect(files.some((f) => /^lib\/x86_64-linux-gnu\/libcryptsetup\.so\.12/.test(f))).toBe(true);
    for (const m of ['dm-crypt', 'dm-mod', 'raid1', 'md-mod', 'btrfs', 'xts', 'algif_skcipher']) {
      expect(files.some((f) => f.endsWith(`/${m}.ko`) || f.endsWith(`/${m}.ko.zst`)), m).toBe(true);
    }
  });

  test('LUKS2 root, passphrase typed on the console', async () => {
    const r = await boot('LUKS2, typed passphrase', storageImage(), ['luks'], `crypt_root=UUID=${STORAGE.luksUuid} root=/dev/mapper/root`, {
      typeOn: typePassphrase(),
    });
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('luks: /dev/vda is open as /dev/mapper/root');
    // Echo was off while the passphrase was typed.
    expect(r.output).not.toContain(STORAGE.passphrase);
    expect(rootMount(r.output)).toMatch(/^\/dev\/mapper\/root \/ ext4/);
  });

  test('LUKS: a wrong passphrase is retried, then the boot fails with a message', async () => {
    const r = await boot('LUKS2, wrong passphrase x3', storageImage(), ['luks'], `crypt_root=/dev/vda gk.emergency=poweroff`, {
      typeOn: typePassphrase(3, 'wrong horse'),
    });
    expect(r.reachedRoot).toBe(false);
    expect(r.timedOut, initLines(r.output)).toBe(false);
    expect(r.output).toContain('(attempt 1 of 3)');
    expect(r.output).toContain('(attempt 3 of 3)');
    expect(r.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
  });

  test('LUKS root, key file on a second disk (root_key=, root_keydev=), root_trim=yes', async () => {
    const r = await boot(
      'LUKS2, key file on a second disk',
      storageImage(),
      ['luks', 'key'],
      `crypt_root=LABEL=${STORAGE.luksLabel} root_key=${STORAGE.keyfilePath} root_keydev=LABEL=${STORAGE.keyLabel} root_trim=yes`,
    );
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain(`luks: opening /dev/vda with key file ${STORAGE.keyfilePath} on /dev/vdb`);
    expect(r.output).not.toContain('Enter passphrase');
    expect(rootMount(r.output)).toMatch(/^\/dev\/mapper\/root /);
  });

  test('LVM root, root=/dev/VG/LV', async () => {
    const r = await boot('LVM', storageImage(), ['lvm'], `dolvm root=/dev/${STORAGE.lvmVg}/root`);
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('lvm: activating volume groups');
    expect(rootMount(r.output)).toMatch(/ \/ ext4/);
  });

  test('LVM on LUKS, root=/dev/mapper/VG-LV: with udev, the container takes its crypttab name and both devices keep udev records', async () => {
    const r = await boot('LVM on LUKS', storageImage(), ['lvmluks'], `dolvm crypt_root=LABEL=${STORAGE.lvmLuksLabel} root=/dev/mapper/${STORAGE.lvmLuksVg}-root`, {
      typeOn: typePassphrase(),
    });
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('is open as /dev/mapper/root');
    expect(r.output).toContain('udev: starting');
    // The root stays the mounted one; the container now has the name the root's crypttab gives it.
    expect(rootMount(r.output)).toMatch(new RegExp(`^/dev/mapper/${STORAGE.lvmLuksVg}-root / ext4`));
    const name = STORAGE.lvmLuksCrypttabName;
    expect(r.output).toContain(`crypttab: /dev/mapper/root renamed to ${name}`);
    const mapper = (/TSGK-MAPPER: (.*)/.exec(r.output)?.[1] ?? '').trim().split(/\s+/).sort();
    // cswap (a swap entry of the same crypttab) was left alone.
    expect(mapper).toEqual(['control', name, `${STORAGE.lvmLuksVg}-root`].sort());
    const dm = dmRecords(r.output);
    expect(Object.keys(dm).sort()).toEqual([name, `${STORAGE.lvmLuksVg}-root`].sort());
    for (const [dev, db] of Object.entries(dm)) {
      // What 55-dm.rules wrote at activation: the real system's udev reads it back on its coldplug.
      expect(db, dev).toContain(`E:DM_NAME=${dev}`);
      expect(db, dev).toContain('E:DM_UDEV_RULES_VSN=2');
      expect(db, dev).toContain('E:DM_UDEV_PRIMARY_SOURCE_FLAG=1');
      expect(db, dev).not.toContain('DM_UDEV_DISABLE_OTHER_RULES_FLAG=1');
    }
    expect(dm[`${STORAGE.lvmLuksVg}-root`]).toContain(`S:${STORAGE.lvmLuksVg}/root`);
    expect(r.output).toMatch(/udev: waiting up to \d+ s for the device events/);
  });

  test('RAID1 root with the shipped mdadm.conf, root=/dev/md0', async () => {
    const conf = join(fx.scratch, 'storage-mdadm.conf');
    writeFileSync(conf, mdadmConf());
    const img = image('raid-conf', ['--mdadm', `--mdadm-config=${conf}`]);
    expect(listImage(img)).toContain('etc/mdadm.conf');
    const r = await boot('RAID1, mdadm.conf', img, ['raidA', 'raidB'], 'domdadm root=/dev/md0');
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('mdadm: assembling RAID arrays (config: /etc/mdadm.conf)');
    expect(rootMount(r.output)).toMatch(/^\/dev\/md0 \/ ext4/);
  });

  test('RAID1 root with one disk missing (degraded), no mdadm.conf, root=UUID=', async () => {
    const r = await boot('RAID1 degraded', storageImage(), ['raidA'], `domdadm root=UUID=${STORAGE.raidFsUuid}`);
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('(config: partitions)');
    expect(r.output).toMatch(/started with 1 drive \(out of 2\)/);
    expect(rootMount(r.output)).toMatch(/^\/dev\/md\S* \/ ext4/);
  });

  test('btrfs raid1 over two disks, rootflags=subvol=', async () => {
    const r = await boot('btrfs raid1 + subvol', storageImage(), ['btrfsA', 'btrfsB'], `root=UUID=${STORAGE.btrfsUuid} rootflags=subvol=${STORAGE.btrfsSubvol}`);
    expect(r.reachedRoot, initLines(r.output)).toBe(true);
    expect(r.output).toContain('btrfs: scanning devices');
    expect(rootMount(r.output)).toMatch(/ \/ btrfs .*subvol=\/@root/);
  });
});
