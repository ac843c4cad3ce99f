import { describe, test, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { sharedLibraryClosure, copySteps, expandRunPath } from './closure.js';
import { ldSoConfDirs } from './search-paths.js';
import { buildTestObjects, type TestObjects } from './test-objects.js';

/** ldd as the oracle (tests only: the build never runs ldd, which executes the binary). */
function lddNames(bin: string): string[] {
  const out = execFileSync('ldd', [bin], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '' && !n.startsWith('linux-vdso'))
    .map((n) => basename(n))
    .sort();
}

let objs: TestObjects;
beforeAll(() => {
  objs = buildTestObjects();
});

describe('closure of Debian binaries', () => {
  test.each(['/sbin/cryptsetup', '/sbin/lvm', '/sbin/mdadm', '/bin/btrfs', '/bin/kmod', '/sbin/mke2fs'])('%s: same libraries as ldd', async (bin) => {
    const c = await sharedLibraryClosure(bin);
    expect(c.missing).toEqual([]);
    const ours = [...c.libraries.map((l) => l.name), basename(c.interp!.name)];
    expect([...new Set(ours)].sort()).toEqual(lddNames(bin));
  });

  test('cryptsetup: libcryptsetup.so.12 and what it needs, in the multiarch dir', async () => {
    const c = await sharedLibraryClosure('/sbin/cryptsetup');
    const names = c.libraries.map((l) => l.name);
    for (const n of ['libcryptsetup.so.12', 'libdevmapper.so.1.02.1', 'libcrypto.so.3', 'libjson-c.so.5', 'libargon2.so.1', 'libc.so.6']) {
      expect(names).toContain(n);
    }
    const lib = c.libraries.find((l) => l.name === 'libcryptsetup.so.12')!;
    expect(lib.hostPath).toBe('/lib/x86_64-linux-gnu/libcryptsetup.so.12');
    expect(lib.imagePath).toBe(lib.hostPath);
    expect(lib.requiredBy).toBe('/sbin/cryptsetup');
    expect(c.interp?.imagePath).toBe('/lib64/ld-linux-x86-64.so.2');
  });

  test('a static binary has an empty closure', async () => {
    const c = await sharedLibraryClosure('/bin/busybox');
    expect(c).toEqual({ libraries: [], missing: [], dynamic: false });
  });
});

describe('search rules', () => {
  test('$ORIGIN follows the image path: bin/../lib lands next to /sbin in the image', async () => {
    const c = await sharedLibraryClosure(objs.runpathTool, { imagePath: '/sbin/runpath-tool' });
    const gkt = c.libraries.find((l) => l.name === 'libgkt.so.1')!;
    expect(gkt.hostPath).toBe(join(objs.libDir, 'libgkt.so.1'));
    expect(gkt.imagePath).toBe('/lib/libgkt.so.1');
  });

  test('DT_RPATH of the program also serves the libraries it loads', async () => {
    const c = await sharedLibraryClosure(objs.rpathTool);
    expect(c.missing).toEqual([]);
    const inner = c.libraries.find((l) => l.name === 'libinner.so.1')!;
    expect(inner.requiredBy).toBe(join(objs.dir, 'rpath/lib/libouter.so.1'));
    expect(inner.hostPath).toBe(join(objs.dir, 'rpath/lib/libinner.so.1'));
  });

  test('ld.so.conf includes are followed; such a library is flagged (no cache in the image)', async () => {
    expect(await ldSoConfDirs(objs.ldSoConf)).toEqual([join(objs.dir, 'conf/lib'), '/nonexistent/dir']);
    const c = await sharedLibraryClosure(objs.confTool, { ldSoConf: objs.ldSoConf });
    const lib = c.libraries.find((l) => l.name === 'libconf.so.1')!;
    expect(lib.viaLdSoConf).toBe(true);
    expect(lib.hostPath).toBe(join(objs.dir, 'conf/lib/libconf.so.1'));
    expect(c.libraries.find((l) => l.name === 'libc.so.6')!.viaLdSoConf).toBe(false);
  });

  test('without the ld.so.conf entry the library is reported missing', async () => {
    const c = await sharedLibraryClosure(objs.confTool, { ldSoConf: '/nonexistent/ld.so.conf' });
    expect(c.missing).toEqual([{ name: 'libconf.so.1', requiredBy: objs.confTool }]);
  });

  test('the host ld.so.conf has Debian multiarch dirs', async () => {
    expect(await ldSoConfDirs()).toContain('/lib/x86_64-linux-gnu');
  });

  test('expandRunPath', () => {
    const x = { bits: 64 as const, machine: 62 };
    expect(expandRunPath('$ORIGIN/../lib:${ORIGIN}/x', '/a/bin', x)).toBe('/a/bin/../lib:/a/bin/x');
    expect(expandRunPath('/opt/$LIB/$PLATFORM', '/', x)).toBe('/opt/lib64/x86_64');
    expect(expandRunPath('$ORIGINAL', '/a', x)).toBe('$ORIGINAL');
  });
});

describe('copySteps keeps symlink chains', () => {
  test('libgkt.so -> libgkt.so.1 -> libgkt.so.1.2.3', async () => {
    const steps = await copySteps(join(objs.libDir, 'libgkt.so'), '/lib/libgkt.so');
    expect(steps).toEqual([
      { kind: 'symlink', imagePath: '/lib/libgkt.so', target: 'libgkt.so.1' },
      { kind: 'symlink', imagePath: '/lib/libgkt.so.1', target: 'libgkt.so.1.2.3' },
      { kind: 'file', imagePath: '/lib/libgkt.so.1.2.3', hostPath: join(objs.libDir, 'libgkt.so.1.2.3'), mode: expect.any(Number) },
    ]);
  });

  test('the host loader: /lib64 link whose relative target crosses the merged-/usr link', async () => {
    const steps = await copySteps('/lib64/ld-linux-x86-64.so.2', '/lib64/ld-linux-x86-64.so.2');
    const last = steps[steps.length - 1]!;
    expect(last.kind).toBe('file');
    expect(steps[0]!.kind).toBe('symlink');
    // The link, followed by name in the image, reaches the file we add.
    if (steps[0]!.kind === 'symlink') {
      const { posix } = await import('node:path');
      expect(posix.resolve('/lib64', steps[0]!.target)).toBe(steps[1]!.imagePath);
    }
  });
});
