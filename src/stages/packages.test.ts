import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTarArchive } from '../package/read-tar.js';
import { buildArgs, KV, oneLineError, runCli, snapshot } from '../../test/faults/cli-harness.js';
import { smallBuildFixture } from '../../test/faults/small-build-fixture.js';
import { TEST_KERNEL_IMAGE } from '../../test/debian-kernel.js';

/**
 * --minkernpackage / --modulespackage through the real CLI, for Debian's installed kernel
 * (`initramfs --kernel-version`, no compile): what the archives hold, that they are
 * reproducible, and that bad archive paths fail before the boot dir is touched.
 */
const MODULES = ['virtio_blk', 'ext4'];
const ARCH = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
const fx = smallBuildFixture('/tmp/gk-pkg-', MODULES);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe('--minkernpackage and --modulespackage with an installed kernel', () => {
  it('hold the kernel, System.map, config and initramfs under genkernel names, and the whole module tree', async () => {
    const d = fx.dirs();
    const minkern = join(fx.work, 'kernel.tar.zst');
    const mods = join(fx.work, 'modules.tar.gz');
    const r = runCli(buildArgs(d, [`--minkernpackage=${minkern}`, `--modulespackage=${mods}`]));
    expect(r.code, r.stderr).toBe(0);

    const k = await readTarArchive(minkern);
    const byName = new Map(k.map((m) => [m.header.name, m.data]));
    expect([...byName.keys()].sort()).toEqual([`System.map-${ARCH}-${KV}`, `config-${ARCH}-${KV}`, `initramfs-${ARCH}-${KV}`, `kernel-${ARCH}-${KV}`]);
    expect(byName.get(`kernel-${ARCH}-${KV}`)!.equals(readFileSync(TEST_KERNEL_IMAGE))).toBe(true);
    expect(byName.get(`initramfs-${ARCH}-${KV}`)!.equals(readFileSync(join(d.boot, `initramfs-${KV}.img`)))).toBe(true);

    const m = await readTarArchive(mods);
    const moduleDir = join(fx.tree.baseDir, 'lib/modules', KV);
    const packed = m.filter((e) => e.header.type === 'file').map((e) => e.header.name);
    expect(packed.sort()).toEqual(filesUnder(moduleDir).map((f) => `lib/modules/${KV}/${f}`));
    expect(packed.some((p) => /virtio_blk\.ko/.test(p))).toBe(true);
  });

  it('are byte-identical across two runs with the same SOURCE_DATE_EPOCH', () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const out = ['a', 'b'].map((tag) => {
      const d = fx.dirs();
      const mods = join(fx.work, `mods-${tag}.tar.zst`);
      const r = runCli(buildArgs(d, [`--modulespackage=${mods}`]), { env });
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(mods);
    });
    expect(out[0]!.equals(out[1]!)).toBe(true);
  });

  it('an archive in a missing directory or with an unknown suffix: one line, nothing built or installed', () => {
    for (const bad of [join(fx.work, 'no-such-dir', 'k.tar.xz'), join(fx.work, 'k.zip')]) {
      const d = fx.dirs();
      const before = snapshot(d.boot);
      const r = runCli(buildArgs(d, [`--minkernpackage=${bad}`]));
      expect(r.code).not.toBe(0);
      expect(oneLineError(r)).toMatch(/does not exist|no suffix saying how to compress/);
      expect(snapshot(d.boot)).toEqual(before);
      expect(existsSync(bad)).toBe(false);
    }
  });

  it('a full disk while writing a package: one line, no partial archive, boot dir untouched', () => {
    const small = fx.tmpfs(join(fx.work, 'small'), '2M');
    const d = fx.dirs();
    const before = snapshot(d.boot);
    // The kernel image alone is several MiB: it cannot fit.
    const r = runCli(buildArgs(d, [`--minkernpackage=${join(small, 'kernel.tar')}`]));
    expect(r.code).not.toBe(0);
    expect(oneLineError(r)).toMatch(/no space left while writing .*kernel\.tar; no partial archive/);
    expect(readdirSync(small)).toEqual([]);
    expect(snapshot(d.boot)).toEqual(before);
  });
});
