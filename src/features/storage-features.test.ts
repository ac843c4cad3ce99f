import { describe, test, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { GkError } from '../errors.js';
import type { Settings } from '../config/option-table.js';
import { gkbuildTestContext } from '../gkbuild/test-context.js';
import { createLuksFeature, LUKS_MODULES } from './luks.js';
import { createLvmFeature, INITRAMFS_LVM_CONF } from './lvm.js';
import { createMdadmFeature } from './mdadm.js';
import { createBtrfsFeature } from './btrfs.js';
import { FEATURES } from './registry.js';

/** Feature install on this host's real Debian tools (cryptsetup-bin, lvm2, mdadm, btrfs-progs). */
const ctxWith = (settings: Partial<Settings>) => gkbuildTestContext({ distdir: tmpdir(), settings }).ctx;
const empty = () => mkdtempSync(join(tmpdir(), 'tsgk-no-tools-'));

function targetOf(image: ImageTree, path: string): string | undefined {
  const e = image.get(path);
  return e?.kind === 'symlink' ? e.target : undefined;
}

describe('storage features on the host tools', () => {
  test('registered, each with its own fragment', () => {
    const byName = new Map(FEATURES.map((f) => [f.name, f.boot?.file]));
    expect(byName.get('mdadm')).toBe('20-mdadm.sh');
    expect(byName.get('luks')).toBe('30-luks.sh');
    expect(byName.get('lvm')).toBe('40-lvm.sh');
    expect(byName.get('btrfs')).toBe('50-btrfs.sh');
    expect(byName.get('zfs')).toBe('60-zfs.sh');
  });

  test('luks: cryptsetup with libcryptsetup, libgcc_s for thread exit, dm-crypt and ciphers', async () => {
    const f = createLuksFeature();
    expect(f.enabled(ctxWith({ LUKS: true }))).toBe(true);
    expect(f.enabled(ctxWith({ LUKS: false }))).toBe(false);
    for (const m of ['dm_crypt', 'dm_mod', 'xts', 'sha256', 'algif_skcipher']) expect(LUKS_MODULES).toContain(m);
    const image = new ImageTree();
    await f.install(ctxWith({ LUKS: true }), image);
    expect(image.get('sbin/cryptsetup')?.kind).toBe('file');
    expect(targetOf(image, 'lib/x86_64-linux-gnu/libcryptsetup.so.12')).toMatch(/^libcryptsetup\.so\.12\./);
    expect(image.get('lib/x86_64-linux-gnu/libgcc_s.so.1')?.kind).toBe('file');
    expect(image.get('lib/x86_64-linux-gnu/libargon2.so.1')?.kind).toBe('file');
    // Its boot half: the fragment, and the values it reads as a generated conf beside it.
    expect(image.get('etc/initrd.d/30-luks.sh')?.kind).toBe('file');
    const conf = image.get('etc/initrd.d/30-luks.conf');
    expect(conf?.kind === 'file' && (conf.source as Buffer).toString()).toMatch(/^LUKS_MODULES='dm_mod dm_crypt [^']*'$/m);
  });

  test('lvm: one binary, command links, an lvm.conf for life without udev', async () => {
    const image = new ImageTree();
    await createLvmFeature().install(ctxWith({ LVM: true }), image);
    expect(image.get('sbin/lvm')?.kind).toBe('file');
    expect(targetOf(image, 'sbin/vgchange')).toBe('lvm');
    expect(image.get('etc/lvm/lvm.conf')).toMatchObject({ kind: 'file', source: Buffer.from(INITRAMFS_LVM_CONF) });
    expect(INITRAMFS_LVM_CONF).toMatch(/udev_rules = 0/);
    expect(image.has('lib/x86_64-linux-gnu/libdevmapper.so.1.02.1')).toBe(true);
  });

  test('mdadm: binary, --mdadm-config shipped as /etc/mdadm.conf and enabling the feature', async () => {
    const conf = join(empty(), 'mdadm.conf');
    writeFileSync(conf, 'ARRAY /dev/md0 metadata=1.2 UUID=d1c2b3a4:e5f60718:293a4b5c:6d7e8f90\n');
    const f = createMdadmFeature();
    expect(f.enabled(ctxWith({ MDADM: false, MDADM_CONFIG: conf }))).toBe(true);
    expect(f.enabled(ctxWith({ MDADM: false, MDADM_CONFIG: '' }))).toBe(false);
    const image = new ImageTree();
    await f.install(ctxWith({ MDADM: true, MDADM_CONFIG: conf }), image);
    expect(image.get('sbin/mdadm')?.kind).toBe('file');
    expect(image.get('etc/mdadm.conf')?.kind).toBe('file');
    const plain = new ImageTree();
    await f.install(ctxWith({ MDADM: true, MDADM_CONFIG: '' }), plain);
    expect(plain.has('etc/mdadm.conf')).toBe(false);
  });

  test('mdadm: an unreadable --mdadm-config is a GkError naming it', async () => {
    const missing = join(empty(), 'nope.conf');
    const err = await createMdadmFeature().install(ctxWith({ MDADM: true, MDADM_CONFIG: missing }), new ImageTree()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toContain(missing);
  });

  test('btrfs: the btrfs tool with its compression libraries', async () => {
    const image = new ImageTree();
    await createBtrfsFeature().install(ctxWith({ BTRFS: true }), image);
    expect(image.get('sbin/btrfs')?.kind).toBe('file');
    expect(image.has('lib/x86_64-linux-gnu/libzstd.so.1')).toBe(true);
    expect(image.has('lib/x86_64-linux-gnu/liblzo2.so.2')).toBe(true);
  });

  test('a missing host tool is a GkError naming the option and the package', async () => {
    const err = await createLvmFeature({ toolPath: [empty()] }).install(ctxWith({ LVM: true }), new ImageTree()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toContain('--lvm needs lvm');
    expect((err as GkError).hint).toContain('lvm2');
  });
});
