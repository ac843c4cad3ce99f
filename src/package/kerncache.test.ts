import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { swapModuleDir } from '../kernel/module-tree-swap.js';
import { configDigest, judgeKerncache, unpackKerncache, writeKerncache, type KerncacheIdentity } from './kerncache.js';
import { writeTarArchive } from './tar-archive.js';

const work = mkdtempSync(join(tmpdir(), 'tsgk-kerncache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CONFIG = '# comment\nCONFIG_MODULES=y\nCONFIG_EXT4_FS=m\n# CONFIG_FOO is not set\n';
const ID: KerncacheIdentity = { arch: 'x86_64', sourceVersion: '6.6.6-test', configDigest: configDigest(CONFIG), toolchain: 'gcc (Debian 12.2.0-14) 12.2.0' };

/** A synthetic build: an "image", a System.map, a config and a two-module tree with a symlink. */
function synthetic(): { kernelImage: string; systemMap: string; configPath: string; moduleDir: string } {
  const d = mkdtempSync(join(work, 'build-'));
  writeFileSync(join(d, 'bzImage'), Buffer.alloc(5000, 7));
  writeFileSync(join(d, 'System.map'), 'ffffffff81000000 T _text\n');
  writeFileSync(join(d, '.config'), CONFIG);
  const m = join(d, 'modules', '6.6.6-test');
  mkdirSync(join(m, 'kernel/fs'), { recursive: true });
  writeFileSync(join(m, 'kernel/fs/ext4.ko'), 'ext4');
  writeFileSync(join(m, 'modules.dep'), 'kernel/fs/ext4.ko:\n');
  symlinkSync('/usr/src/linux-6.6.6', join(m, 'build'));
  return { kernelImage: join(d, 'bzImage'), systemMap: join(d, 'System.map'), configPath: join(d, '.config'), moduleDir: m };
}

describe('kerncache', () => {
  const built = synthetic();
  const cache = join(work, 'kerncache.tar.zst');

  it('the config digest ignores comments and blank lines only', () => {
    expect(configDigest(CONFIG)).toBe(configDigest('CONFIG_MODULES=y\n\n# other comment\nCONFIG_EXT4_FS=m\n'));
    expect(configDigest(CONFIG)).not.toBe(configDigest('CONFIG_MODULES=y\nCONFIG_EXT4_FS=y\n'));
  });

  it('a cache of the same sources, config and toolchain is used; any difference is one reason', async () => {
    await writeKerncache(cache, ID, built);
    expect((await judgeKerncache(cache, ID)).use).toBe(true);
    const no = async (wanted: Parameters<typeof judgeKerncache>[1]) => {
      const v = await judgeKerncache(cache, wanted);
      if (v.use) throw new Error('expected the cache to be refused');
      return v.reason;
    };
    expect(await no({ ...ID, configDigest: configDigest('CONFIG_MODULES=n\n') })).toMatch(/another kernel config; building normally/);
    expect(await no({ ...ID, sourceVersion: '6.6.7' })).toMatch(/holds 6\.6\.6-test, the sources are 6\.6\.7/);
    expect(await no({ ...ID, toolchain: 'gcc 13' })).toMatch(/built with 'gcc \(Debian/);
    expect(await no({ ...ID, arch: 'aarch64' })).toMatch(/is for x86_64, this build is aarch64/);
    expect(await no({ ...ID, arch: 'aarch64' })).not.toMatch(/\n/);
    // --no-kernel-sources: nothing to compare but the arch and completeness.
    expect((await judgeKerncache(cache, { arch: 'x86_64', noSources: true })).use).toBe(true);
    expect(await no({ arch: 'aarch64', noSources: true })).toMatch(/is for x86_64/);
  });

  it('missing, truncated, not a tar, or a tar without a manifest: refused with a reason', async () => {
    expect(((await judgeKerncache(join(work, 'nope.tar'), ID)) as { reason: string }).reason).toMatch(/does not exist yet/);
    const cut = join(work, 'cut.tar.zst');
    writeFileSync(cut, readFileSync(cache).subarray(0, 200));
    expect(((await judgeKerncache(cut, ID)) as { reason: string }).reason).toMatch(/is unreadable/);
    const text = join(work, 'text.tar');
    writeFileSync(text, 'just text');
    expect(((await judgeKerncache(text, ID)) as { reason: string }).reason).toMatch(/is unreadable .*not a tar archive/);
    const plain = join(work, 'plain.tar');
    await writeTarArchive(plain, [{ name: 'x', type: 'file', mode: 0o644, data: Buffer.from('x') }]);
    expect(((await judgeKerncache(plain, ID)) as { reason: string }).reason).toMatch(/no valid kerncache\.json/);
  });

  it('restore: unpacked into a temp dir, then the module tree swapped in whole', async () => {
    const v = await judgeKerncache(cache, ID);
    if (!v.use) throw new Error(v.reason);
    const root = mkdtempSync(join(work, 'root-'));
    const live = join(root, 'lib/modules/6.6.6-test');
    mkdirSync(live, { recursive: true });
    writeFileSync(join(live, 'stale.ko'), 'old');
    const r = await unpackKerncache(v, join(root, 'lib/modules'));
    expect(readFileSync(r.kernelImage).equals(readFileSync(built.kernelImage))).toBe(true);
    expect(readFileSync(r.configPath, 'utf8')).toBe(CONFIG);
    expect(readFileSync(r.systemMap, 'utf8')).toMatch(/_text/);
    // Nothing live changed until the swap.
    expect(readdirSync(live)).toEqual(['stale.ko']);
    await swapModuleDir(r.moduleDir!, live);
    expect(readdirSync(live).sort()).toEqual(['build', 'kernel', 'modules.dep']);
    expect(readlinkSync(join(live, 'build'))).toBe('/usr/src/linux-6.6.6');
    expect(readFileSync(join(live, 'kernel/fs/ext4.ko'), 'utf8')).toBe('ext4');
    rmSync(r.dir, { recursive: true, force: true });
  });

  it('a member that climbs out of the archive: refused, and the temp dir is gone', async () => {
    const evil = join(work, 'evil.tar');
    const manifest = Buffer.from(JSON.stringify({ format: 1, ...ID }));
    await writeTarArchive(evil, [
      { name: 'kerncache.json', type: 'file', mode: 0o644, data: manifest },
      { name: 'kernel-x86_64-6.6.6-test', type: 'file', mode: 0o644, data: Buffer.from('k') },
      { name: 'System.map-x86_64-6.6.6-test', type: 'file', mode: 0o644, data: Buffer.from('s') },
      { name: 'config-x86_64-6.6.6-test', type: 'file', mode: 0o644, data: Buffer.from(CONFIG) },
      { name: '../escaped', type: 'file', mode: 0o644, data: Buffer.from('x') },
    ]);
    const v = await judgeKerncache(evil, ID);
    if (!v.use) throw new Error(v.reason);
    const parent = mkdtempSync(join(work, 'evil-'));
    await expect(unpackKerncache(v, parent)).rejects.toThrow(/points outside the archive/);
    expect(readdirSync(parent)).toEqual([]);
    expect(() => statSync(join(work, 'escaped'))).toThrow();
  });
});
