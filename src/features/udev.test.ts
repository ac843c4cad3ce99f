/**
 * The udev feature against this host's real systemd-udevd, udevadm and rules (Debian's udev
 * package is installed by scripts/setup): what goes into the image, and that every program
 * a carried rule calls is there.
 */
import { describe, test, expect, afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { ImageTree } from '../image/image-tree.js';
import { gkbuildTestContext, removeTestDirs } from '../gkbuild/test-context.js';
import { readElf } from '../elf/elf-reader.js';
import type { Settings } from '../config/option-table.js';
import { createUdevFeature, udevBoot, udevWanted } from './udev.js';
import { lvmFeature } from './lvm.js';
import { mdadmFeature } from './mdadm.js';
import { luksFeature } from './luks.js';

afterAll(removeTestDirs);

const ctxWith = (settings: Partial<Settings>) => gkbuildTestContext({ distdir: tmpdir(), settings });

/** Every program a rule file runs (RUN, PROGRAM, IMPORT{program}), builtins and $env ones aside. */
function programs(rules: string): string[] {
  const out: string[] = [];
  for (const rule of rules.split(/(?<!\\)\n/)) {
    if (/^\s*#/.test(rule)) continue;
    for (const m of rule.matchAll(/\b(?:RUN(?:\{program\})?|PROGRAM|IMPORT\{program\})\s*(?:\+?=|:=)\s*"([^"]*)"/g)) {
      const p = m[1]!.trim().split(/\s+/)[0]!;
      if (p && !p.startsWith('$')) out.push(p);
    }
  }
  return out;
}

function text(image: ImageTree, path: string): string {
  const e = image.get(path);
  if (e?.kind !== 'file' || typeof e.source === 'string') throw new Error(`${path} is not a generated file`);
  return e.source.toString('utf8');
}

describe('udev feature', () => {
  test('UDEV=auto turns it on with LUKS, LVM or MDADM; yes and no decide alone', () => {
    expect(udevWanted(ctxWith({ UDEV: 'auto' }).ctx)).toBe(false);
    expect(udevWanted(ctxWith({ UDEV: 'auto', BTRFS: true }).ctx)).toBe(false);
    for (const k of ['LUKS', 'LVM', 'MDADM'] as const) expect(udevWanted(ctxWith({ UDEV: 'auto', [k]: true }).ctx), k).toBe(true);
    expect(udevWanted(ctxWith({ UDEV: 'yes' }).ctx)).toBe(true);
    expect(udevWanted(ctxWith({ UDEV: 'no', LUKS: true }).ctx)).toBe(false);
  });

  test("the host's libkmod, which udevd's kmod builtin loads modules with, reads zstd and xz", async () => {
    const info = await readElf('/lib/x86_64-linux-gnu/libkmod.so.2');
    expect(info.needed).toContain('libzstd.so.1');
    expect(info.needed).toContain('liblzma.so.5');
  });

  test('with LUKS, LVM and md: udevd, udevadm, dmsetup, the storage rules, every rule program in the image', async () => {
    const { ctx } = ctxWith({ UDEV: 'auto', LUKS: true, LVM: true, MDADM: true });
    const image = new ImageTree();
    for (const f of [mdadmFeature, luksFeature, lvmFeature]) await f.install(ctx, image);
    await createUdevFeature().install(ctx, image);
    const conf = udevBoot.conf();
    expect(image.has(String(conf.UDEVADM).slice(1))).toBe(true);
    const daemon = image.get(String(conf.UDEV_DAEMON).slice(1));
    expect(daemon?.kind).toBe('symlink');
    for (const p of ['sbin/dmsetup', 'lib/udev/ata_id', 'lib/udev/scsi_id', 'etc/initrd.d/05-udev.sh', 'etc/initrd.d/05-udev.conf']) expect(image.has(p), p).toBe(true);
    const libs = image.sorted().map((e) => e.path);
    expect(libs.some((p) => /lib\/x86_64-linux-gnu\/libkmod\.so\.2/.test(p))).toBe(true);
    const rules = libs.filter((p) => p.startsWith('lib/udev/rules.d/')).map((p) => p.slice('lib/udev/rules.d/'.length));
    for (const r of ['50-udev-default.rules', '55-dm.rules', '56-lvm.rules', '60-persistent-storage.rules', '60-persistent-storage-dm.rules', '63-md-raid-arrays.rules', '80-drivers.rules', '95-dm-notify.rules']) {
      expect(rules, r).toContain(r);
    }
    // Autoactivation rules are left out: activation is the fragments' (dolvm, domdadm).
    expect(rules).not.toContain('69-lvm.rules');
    expect(rules).not.toContain('64-md-raid-assembly.rules');
    for (const r of rules) {
      for (const p of programs(text(image, `lib/udev/rules.d/${r}`))) {
        const inImage = p.startsWith('/') ? p.slice(1) : `lib/udev/${p}`;
        expect(image.has(inImage), `${r} runs ${p}`).toBe(true);
      }
    }
    // The dm rules that matter for the real root: cookies, names.
    expect(text(image, 'lib/udev/rules.d/95-dm-notify.rules')).toContain('/sbin/dmsetup udevcomplete');
  });

  test('without device-mapper no dm rules and no dmsetup', async () => {
    const { ctx } = ctxWith({ UDEV: 'yes' });
    const image = new ImageTree();
    await createUdevFeature().install(ctx, image);
    expect(image.has('lib/udev/rules.d/80-drivers.rules')).toBe(true);
    expect(image.has('lib/udev/rules.d/55-dm.rules')).toBe(false);
    expect(image.has('sbin/dmsetup')).toBe(false);
  });

  test('a host without udevd: UDEV=yes is a one-line error naming the way out, auto leaves udev out with a warning', async () => {
    const none = { toolPath: [tmpdir() + '/tsgk-no-such-dir'] };
    const yes = ctxWith({ UDEV: 'yes' });
    await expect(createUdevFeature(none).install(yes.ctx, new ImageTree())).rejects.toThrow(/--udev needs udevadm/);
    const auto = ctxWith({ UDEV: 'auto', LVM: true });
    const image = new ImageTree();
    await createUdevFeature(none).install(auto.ctx, image);
    expect(image.has('etc/initrd.d/05-udev.sh')).toBe(false);
    expect(auto.lines.join('\n')).toMatch(/udev: this host has no udevd/);
  });
});
