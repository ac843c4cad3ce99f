import { describe, test, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from '../image/image-tree.js';
import { GkError } from '../errors.js';
import { gkbuildTestContext } from '../gkbuild/test-context.js';
import { createZfsFeature, ZFS_MODULES } from './zfs.js';

/**
 * The package archive this project can reach has no ZFS, so these tests use stand-ins shaped
 * like the real userland: zpool and zfs programs linked against a libzfs.so.4 (soname link
 * kept) that they find through DT_RUNPATH $ORIGIN/../lib, like a /usr/local install, plus
 * mount.zfs and a host id file. They prove what the feature copies, not that ZFS boots.
 */
interface StandIns {
  dir: string;
  sbin: string;
  hostid: string;
}

function buildStandIns(): StandIns {
  const dir = mkdtempSync(join(tmpdir(), 'tsgk-zfs-standins-'));
  const sbin = join(dir, 'sbin');
  const lib = join(dir, 'lib');
  mkdirSync(sbin);
  mkdirSync(lib);
  const cc = (args: string[]) => execFileSync('gcc', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(join(dir, 'libzfs.c'), 'int zfs_standin(void) { return 0; }\n');
  cc(['-shared', '-fPIC', '-Wl,-soname,libzfs.so.4', '-o', 'lib/libzfs.so.4.1.0', 'libzfs.c']);
  symlinkSync('libzfs.so.4.1.0', join(lib, 'libzfs.so.4'));
  symlinkSync('libzfs.so.4', join(lib, 'libzfs.so'));
  writeFileSync(join(dir, 'main.c'), 'int zfs_standin(void);\nint main(void) { return zfs_standin(); }\n');
  for (const tool of ['zpool', 'zfs', 'mount.zfs']) cc(['-o', `sbin/${tool}`, 'main.c', '-Llib', '-lzfs', '-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib']);
  const hostid = join(dir, 'hostid');
  writeFileSync(hostid, Buffer.from([0x2a, 0, 0x7f, 0x01]));
  return { dir, sbin, hostid };
}

let s: StandIns;
beforeAll(() => {
  s = buildStandIns();
});

function ctxWith(settings: { ZFS: boolean }) {
  return gkbuildTestContext({ distdir: tmpdir(), settings }).ctx;
}

describe('zfs feature (stand-in host binaries)', () => {
  test('enabled by ZFS, asks for the zfs module, owns 60-zfs.sh', () => {
    const f = createZfsFeature();
    expect(f.enabled(ctxWith({ ZFS: true }))).toBe(true);
    expect(f.enabled(ctxWith({ ZFS: false }))).toBe(false);
    expect(f.modules?.(ctxWith({ ZFS: true }))).toEqual(ZFS_MODULES);
    expect(f.boot?.file).toBe('60-zfs.sh');
  });

  test('zpool, zfs, mount.zfs with libzfs through $ORIGIN, soname link kept, host id', async () => {
    const f = createZfsFeature({ toolPath: [s.sbin], hostIdFile: s.hostid, poolCacheFile: join(s.dir, 'no-cache') });
    const image = new ImageTree();
    await f.install(ctxWith({ ZFS: true }), image);
    for (const t of ['zpool', 'zfs', 'mount.zfs']) {
      expect(image.get(`sbin/${t}`)).toMatchObject({ kind: 'file', source: join(s.sbin, t) });
    }
    // $ORIGIN/../lib from /sbin is /lib in the image.
    expect(image.get('lib/libzfs.so.4')).toEqual({ kind: 'symlink', path: 'lib/libzfs.so.4', target: 'libzfs.so.4.1.0' });
    expect(image.get('lib/libzfs.so.4.1.0')).toMatchObject({ kind: 'file', source: join(s.dir, 'lib', 'libzfs.so.4.1.0') });
    // The rest of the closure: glibc and its loader.
    expect(image.get('lib/x86_64-linux-gnu/libc.so.6')?.kind).toBe('file');
    expect(image.has('lib64/ld-linux-x86-64.so.2')).toBe(true);
    expect(image.get('etc/hostid')).toMatchObject({ kind: 'file', source: s.hostid });
    expect(image.has('etc/zfs/zpool.cache')).toBe(false);
  });

  test('the pool cache goes in when the host has one', async () => {
    const cache = join(s.dir, 'zpool.cache');
    writeFileSync(cache, 'stand-in cache');
    const f = createZfsFeature({ toolPath: [s.sbin], hostIdFile: join(s.dir, 'none'), poolCacheFile: cache });
    const image = new ImageTree();
    await f.install(ctxWith({ ZFS: true }), image);
    expect(image.get('etc/zfs/zpool.cache')).toMatchObject({ kind: 'file', source: cache });
    expect(image.has('etc/hostid')).toBe(false);
  });

  test('no zpool on the host: a GkError naming zpool and --zfs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tsgk-zfs-empty-'));
    const f = createZfsFeature({ toolPath: [empty] });
    const err = await f.install(ctxWith({ ZFS: true }), new ImageTree()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toContain('--zfs needs zpool');
    expect((err as GkError).hint).toMatch(/zfsutils/);
  });
});
