import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../exec.js';
import { GkError } from '../errors.js';
import { checkModuleIndex, runDepmod } from './index-health.js';
import { makeModuleTree, REAL_MODULE_DIR, type ModuleTreeFixture } from './test-fixtures.js';
import { countModuleFiles } from '../../test/debian-kernel.js';

const errorOf = async (p: Promise<unknown>): Promise<GkError> => {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GkError);
    return e as GkError;
  }
  throw new Error('expected a GkError');
};

describe('checkModuleIndex', () => {
  let zst: ModuleTreeFixture;
  let plain: ModuleTreeFixture;
  beforeAll(async () => {
    [zst, plain] = await Promise.all([makeModuleTree('zstd'), makeModuleTree('none')]);
  });
  afterAll(async () => {
    await zst?.cleanup();
    await plain?.cleanup();
  });

  it('accepts the real Debian tree', async () => {
    const h = await checkModuleIndex(REAL_MODULE_DIR, 'none');
    expect(h.indexed).toBe(countModuleFiles(REAL_MODULE_DIR));
    expect(h.onDisk).toEqual(['none']);
    expect(h.unindexed).toEqual([]);
    expect(h.olderThanModules).toBe(false);
  });

  it('accepts a .ko.zst tree that depmod indexed', async () => {
    const h = await checkModuleIndex(zst.moduleDir, 'zstd');
    expect(h.indexed).toBe(zst.files.length);
    expect(h.onDisk).toEqual(['zstd']);
    expect(h).toMatchObject({ unindexed: [], olderThanModules: false });
  });

  it('calls a .ko index over .ko.zst files stale although zstd kept the old mtimes', async () => {
    const t = await makeModuleTree('none', ['ext4']);
    try {
      await run('zstd', ['-q', '--rm', ...t.files], { cwd: t.moduleDir });
      const e = await errorOf(checkModuleIndex(t.moduleDir, 'zstd'));
      expect(e.message).toMatch(/is stale: it lists kernel\/.*\.ko but the file installed is kernel\/.*\.ko\.zst/);
      expect(e.hint).toMatch(/depmod .*ZSTD support/);
      // The way out works: depmod again, and the tree is healthy.
      await runDepmod(t.baseDir, t.kv);
      expect(await checkModuleIndex(t.moduleDir, 'zstd')).toMatchObject({ indexed: t.files.length, unindexed: [], olderThanModules: false });
    } finally {
      await t.cleanup();
    }
  });

  it('refuses an empty modules.dep beside .ko.zst files (what a depmod without zstd leaves)', async () => {
    const saved = await readFile(join(zst.moduleDir, 'modules.dep'));
    try {
      await writeFile(join(zst.moduleDir, 'modules.dep'), '');
      const e = await errorOf(checkModuleIndex(zst.moduleDir, 'zstd'));
      expect(e.message).toMatch(/is empty although \d+ module files \(zstd\) are installed/);
    } finally {
      await writeFile(join(zst.moduleDir, 'modules.dep'), saved);
    }
  });

  it('refuses a missing modules.dep, saying what to run', async () => {
    const saved = await readFile(join(plain.moduleDir, 'modules.dep'));
    try {
      await rm(join(plain.moduleDir, 'modules.dep'));
      const e = await errorOf(checkModuleIndex(plain.moduleDir, 'none'));
      expect(e.message).toMatch(/modules.dep is missing although \d+ module files are installed/);
      expect(e.hint).toMatch(/depmod -b BASEDIR KERNEL_VERSION/);
    } finally {
      await writeFile(join(plain.moduleDir, 'modules.dep'), saved);
    }
  });

  it.each(['../../../../etc/evil.ko', '/etc/evil.ko', 'kernel/../../x.ko'])('refuses an entry escaping the module dir: %s', async (bad) => {
    const depFile = join(plain.moduleDir, 'modules.dep');
    const saved = await readFile(depFile, 'utf8');
    try {
      await writeFile(depFile, saved + `${bad}:\n`);
      const e = await errorOf(checkModuleIndex(plain.moduleDir, 'none'));
      expect(e.message).toContain('points outside');
    } finally {
      await writeFile(depFile, saved);
    }
  });

  it('refuses entries whose files are gone, naming the first', async () => {
    const depFile = join(plain.moduleDir, 'modules.dep');
    const saved = await readFile(depFile, 'utf8');
    try {
      await writeFile(depFile, saved + 'kernel/drivers/gone/gone.ko:\n');
      const e = await errorOf(checkModuleIndex(plain.moduleDir, 'none'));
      expect(e.message).toMatch(/lists 1 module files that are not installed, first kernel\/drivers\/gone\/gone.ko/);
    } finally {
      await writeFile(depFile, saved);
    }
  });

  it('runDepmod failing is a GkError naming the tree', async () => {
    const e = await errorOf(runDepmod('/nonexistent-base', '9.9.9'));
    expect(e.message).toContain('depmod -b /nonexistent-base 9.9.9');
  });
});
