/**
 * Key and header devices (project issue 15): a LUKS root whose key file is on a separate key
 * device, one boot per key-device filesystem (ext4, vfat, btrfs: vfat needs the nls charsets of
 * the kernel's FAT defaults at mount time, which no modinfo dependency names), and a root whose
 * LUKS header is a file on a second disk (root_header=, root_headerdev=), also when that file is
 * not there. Key disks are made on the host; the LUKS disks come from the preparer guests.
 */
import { describe, test, expect, beforeAll, afterAll } from 'vitest';
import { bootFixture, type BootFixture } from '../fixture.js';
import { bootImage, initLines, type BootResult } from '../qemu.js';
import { buildImageOk, listImage } from '../build-image.js';
import { expectRealRoot } from '../one-root.js';
import { storageDisks, STORAGE } from './disks.js';
import { cryptDisks, CRYPT, type CryptDiskName } from './crypt-disks.js';
import { hostDisk, type HostFs } from './host-disks.js';

let fx: BootFixture;
let image: string;
let luksRoot: string;
let crypt: Record<CryptDiskName, string>;
const timings: string[] = [];

beforeAll(async () => {
  fx = bootFixture();
  luksRoot = (await storageDisks(fx)).disks.luks;
  crypt = (await cryptDisks(fx)).disks;
  const built = buildImageOk(fx, ['--luks'], 'keydev');
  timings.push(`build --luks: ${built.ms} ms`);
  image = built.image;
}, 900_000);

afterAll(() => {
  if (timings.length) console.log(`key and header devices:\n  ${timings.join('\n  ')}`);
});

async function boot(label: string, disks: string[], append: string, passphrase = false): Promise<BootResult> {
  const r = await bootImage({
    kernel: fx.kernel,
    initramfs: image,
    disks: [fx.decoyDisk, ...disks],
    append,
    timeoutMs: 180_000,
    ...(passphrase ? { typeOn: [{ after: 'Enter passphrase for', text: `${CRYPT.passphrase}\n` }] } : {}),
  });
  timings.push(`${label}: ${r.reachedRoot ? `root reached in ${r.ms} ms` : `no root, QEMU exited after ${r.totalMs} ms`}`);
  return r;
}

const KEY_TREE = { [STORAGE.keyfilePath.slice(1)]: STORAGE.keyfileText };
const KEY_DISKS: Array<{ fs: HostFs; label: string; uuid?: string; mb: number; keydev: string }> = [
  { fs: 'ext4', label: 'tsgkkeyext4', mb: 8, keydev: 'root_keydev=LABEL=tsgkkeyext4' },
  { fs: 'vfat', label: 'TSGKKEYVFAT', uuid: '1a2b3c4d', mb: 8, keydev: 'root_keydev=UUID=1A2B-3C4D' },
  { fs: 'btrfs', label: 'tsgkkeybtrfs', mb: 128, keydev: 'root_keydev=/dev/vdc root_keydev_fstype=btrfs' },
];

describe('key devices, one per filesystem', () => {
  test('the image carries the nls charsets vfat loads at mount time', () => {
    const files = listImage(image);
    for (const m of ['vfat', 'nls_cp437', 'nls_ascii']) expect(files.some((f) => new RegExp(`/${m}\\.ko(\\.zst)?$`).test(f)), m).toBe(true);
    expect(files).toContain('etc/initrd.defaults');
  });

  for (const k of KEY_DISKS) {
    test(`LUKS root, key file on a ${k.fs} key device (${k.keydev})`, async () => {
      const keyDisk = hostDisk(fx, `key-${k.fs}`, { fs: k.fs, label: k.label, mb: k.mb, tree: KEY_TREE, ...(k.uuid ? { uuid: k.uuid } : {}) });
      const r = await boot(`key on ${k.fs}`, [luksRoot, keyDisk], `crypt_root=LABEL=${STORAGE.luksLabel} root_key=${STORAGE.keyfilePath} ${k.keydev}`);
      expect(r.output, initLines(r.output)).toContain(`luks: opening /dev/vdb with key file ${STORAGE.keyfilePath} on /dev/vdc`);
      expect(r.output).not.toContain('Enter passphrase');
      if (k.fs === 'vfat') expect(/TSGK-MODULES: .*nls_cp437/.test(r.output) && /TSGK-MODULES: .*nls_ascii/.test(r.output), initLines(r.output)).toBe(true);
      expectRealRoot(r, '/dev/mapper/root');
    }, 300_000);
  }
});

describe('detached LUKS header', () => {
  const append = (header: string) => `crypt_root=/dev/vdb root_header=${header} root_headerdev=LABEL=${CRYPT.hdrLabel} root_headerdev_fstype=ext4`;

  test('the root opens with the header file from a second disk', async () => {
    const r = await boot('detached header', [crypt.hdrdata, crypt.hdr], append(CRYPT.headerPath), true);
    expect(r.output, initLines(r.output)).toContain(`luks: detached header ${CRYPT.headerPath} on /dev/vdc for /dev/vdb`);
    expect(r.output).toContain('luks: /dev/vdb is open as /dev/mapper/root');
    expectRealRoot(r, '/dev/mapper/root');
  }, 300_000);

  test('a header file that is not there: one line naming it, then the rescue path (bounded)', async () => {
    const r = await boot('header file missing', [crypt.hdrdata, crypt.hdr], `${append('/headers/nope.hdr')} gk.emergency=poweroff`);
    expect(r.timedOut, initLines(r.output)).toBe(false);
    expect(r.output).toContain('luks: header file /headers/nope.hdr is not on /dev/vdc (root_headerdev=LABEL=tsgkhdrs)');
    expect(r.output).toContain("BOOT FAILED: boot hook 'luks_unlock' (at pre_root) failed");
    expect(r.reachedRoot).toBe(false);
  }, 300_000);
});
