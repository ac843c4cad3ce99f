import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeModuleTree, REAL_MODULE_DIR, type ModuleTreeFixture } from '../kmod/test-fixtures.js';
import { requireCurrentIndex, requireSelectedIndexed } from './index-guard.js';
import { parseModulesDep } from './modules-dep.js';
import { countModuleFiles } from '../../test/debian-kernel.js';

let fixture: ModuleTreeFixture;
let work: string;
beforeAll(async () => {
  fixture = await makeModuleTree('none', ['virtio_blk']);
  work = mkdtempSync(join(tmpdir(), 'gk-index-guard-'));
}, 60_000);
afterAll(async () => {
  await fixture?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function copy(): { prefix: string; dir: string } {
  const prefix = mkdtempSync(join(work, 'p-'));
  execFileSync('cp', ['-a', `${fixture.baseDir}/.`, prefix]);
  return { prefix, dir: join(prefix, 'lib/modules', fixture.kv) };
}

describe('module index guard', () => {
  it('accepts a current index (the real Debian tree, a fresh fixture)', async () => {
    await expect(requireCurrentIndex(REAL_MODULE_DIR, fixture.kv, '', 'none')).resolves.toMatchObject({ indexed: countModuleFiles(REAL_MODULE_DIR) });
    const { dir, prefix } = copy();
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).resolves.toMatchObject({ unindexed: [] });
  });

  it('refuses a module file installed after depmod ran, naming it and the depmod to run', async () => {
    const { dir, prefix } = copy();
    copyFileSync(join(REAL_MODULE_DIR, 'kernel/crypto/crc32c_generic.ko'), join(dir, 'kernel/crc32c_generic.ko'));
    const before = readFileSync(join(dir, 'modules.dep'));
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).rejects.toThrow(/does not list 1 installed module file \(first kernel\/crc32c_generic\.ko\): the module index is stale/);
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).rejects.toMatchObject({ hint: expect.stringContaining(`depmod -b '${prefix}' ${fixture.kv}`) });
    expect(readFileSync(join(dir, 'modules.dep'))).toEqual(before);
  });

  it('refuses modules newer than the index', async () => {
    const { dir, prefix } = copy();
    const dep = join(dir, 'modules.dep');
    const old = new Date(statSync(dep).mtimeMs - 3_600_000);
    utimesSync(dep, old, old);
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).rejects.toThrow(/is older than module files installed since/);
  });

  it('passes through the specific complaints: missing and empty modules.dep', async () => {
    const { dir, prefix } = copy();
    writeFileSync(join(dir, 'modules.dep'), '');
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).rejects.toThrow(/modules\.dep is empty although \d+ module files/);
    rmSync(join(dir, 'modules.dep'));
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).rejects.toThrow(/modules\.dep is missing although/);
  });

  it('takes the fast path on a tree no directory of which changed, and still catches a selected module rewritten in place', async () => {
    const { dir, prefix } = copy();
    const rels = parseModulesDep(readFileSync(join(dir, 'modules.dep'), 'utf8')).map((e) => e.relPath);
    const target = join(dir, rels[0]!);
    // Rewritten in place (as `cp` over it does): the directory's mtime does not move.
    const parent = statSync(join(target, '..'));
    writeFileSync(target, readFileSync(target));
    utimesSync(join(target, '..'), parent.atime, parent.mtime);
    await expect(requireCurrentIndex(dir, fixture.kv, prefix, 'none')).resolves.toMatchObject({ unindexed: [], olderThanModules: false });
    expect(() => requireSelectedIndexed(dir, fixture.kv, prefix, rels)).toThrow(new RegExp(`is older than ${rels[0]!.replace(/[.]/g, '\\.')}, installed since: the module index is stale`));
    expect(() => requireSelectedIndexed(dir, fixture.kv, prefix, ['kernel/none/such.ko'])).toThrow(/lists kernel\/none\/such\.ko, which is not installed/);
    expect(() => requireSelectedIndexed(REAL_MODULE_DIR, fixture.kv, '', rels)).not.toThrow();
  });
});
