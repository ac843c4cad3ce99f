import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../config/settings.js';
import { ensureTools } from './index.js';
import { gkbuildTestContext, removeTestDirs, testDir } from './test-context.js';
import { utilsToolchain } from './utils-toolchain.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../../test/shared-cache.js';

afterAll(removeTestDirs);

const defaults = resolveSettings({ cli: {} }).settings;

describe('--utils-* for the static tools', () => {
  it('adds nothing to the cache key when every setting is the default, so default builds keep their cache', () => {
    const tc = utilsToolchain(defaults);
    expect(tc).toMatchObject({ cc: 'cc', cflags: '-Os', compilerProgram: 'cc', env: {}, identity: '' });
    expect(tc.make).toBeUndefined();
  });

  it('passes the compiler, flags and binutils on; binutils also as make command-line definitions', () => {
    const tc = utilsToolchain({ ...defaults, UTILS_CC: 'distcc gcc', UTILS_CFLAGS: '-O2 -pipe', UTILS_AR: 'gcc-ar', UTILS_STRIP: '/opt/my tools/strip', UTILS_MAKE: 'gmake' });
    expect(tc.cc).toBe('distcc gcc');
    expect(tc.compilerProgram).toBe('gcc');
    expect(tc.cflags).toBe('-O2 -pipe');
    expect(tc.env).toEqual({ AR: 'gcc-ar', STRIP: '/opt/my tools/strip', MAKEFLAGS: 'AR=gcc-ar STRIP=/opt/my\\ tools/strip' });
    expect(tc.make).toBe('gmake');
    expect(JSON.parse(tc.identity)).toEqual({ CC: 'distcc gcc', CFLAGS: '-O2 -pipe', AR: 'gcc-ar', STRIP: '/opt/my tools/strip', MAKEFLAGS: 'AR=gcc-ar STRIP=/opt/my\\ tools/strip', MAKE: 'gmake' });
  });

  it('builds a real recipe (zlib) with them, under a cache key of its own', { timeout: 10 * 60_000 }, async () => {
    // Wrappers that log each call, then run the host's own tool by its full path (a bare make
    // would find the make shim, which is this wrapper): proof that the build used them.
    const bin = testDir('utils-tools-');
    const log = join(bin, 'calls.log');
    const wrap = (name: string, real: string) => {
      const p = join(bin, name);
      writeFileSync(p, `#!/bin/sh\necho "${name} $*" >>'${log}'\nexec ${real} "$@"\n`);
      chmodSync(p, 0o755);
      return p;
    };
    const settings = { UTILS_CC: wrap('my-cc', '/usr/bin/cc'), UTILS_AR: wrap('my-ar', '/usr/bin/ar'), UTILS_MAKE: wrap('my-make', '/usr/bin/make'), UTILS_CFLAGS: '-O1' };
    const { ctx } = gkbuildTestContext({ distdir: TEST_DISTDIR, settings });
    const zlib = (await ensureTools(ctx, ['zlib'])).get('zlib')!;
    expect(existsSync(join(zlib.root, 'usr/lib/libz.a'))).toBe(true);
    const calls = readFileSync(log, 'utf8').split('\n');
    expect(calls.some((l) => l.startsWith('my-cc ') && l.includes('-O1'))).toBe(true);
    expect(calls.some((l) => l.startsWith('my-ar '))).toBe(true);
    expect(calls.some((l) => l.startsWith('my-make '))).toBe(true);
    // Not the default build's entry: another toolchain never takes (or replaces) the shared one.
    const key = zlib.root.split('/').at(-2)!;
    const sharedKeys = existsSync(join(TEST_CACHEDIR, 'gkbuild/zlib')) ? readdirSync(join(TEST_CACHEDIR, 'gkbuild/zlib')) : [];
    expect(sharedKeys).not.toContain(key);
  });
});
