import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import type { ModuleCompression } from './compression.js';
import { loadModuleIndex } from './module-index.js';
import { moduleNameOfPath } from './names.js';
import { resolveModules } from './resolver.js';
import { stageModules } from './stage-modules.js';
import { makeModuleTree, REAL_MODULE_DIR, type ModuleTreeFixture } from './test-fixtures.js';

const trees = new Map<ModuleCompression, ModuleTreeFixture>();
const dests: string[] = [];
const newDest = async () => {
  const d = await mkdtemp(join(tmpdir(), 'gk-stage-'));
  dests.push(d);
  return d;
};

beforeAll(async () => {
  for (const c of ['zstd', 'xz', 'gzip'] as const) trees.set(c, await makeModuleTree(c));
});
afterAll(async () => {
  for (const t of trees.values()) await t.cleanup();
  for (const d of dests) await rm(d, { recursive: true, force: true });
});

/** What the image's own modprobe would load for a name, read from the staged tree's indexes. */
const stagedShowDepends = (root: string, kv: string, name: string) =>
  execFileSync('modprobe', ['-d', root, '-S', kv, '--show-depends', name])
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('insmod '))
    .map((l) => moduleNameOfPath(l.split(' ')[1]!));

describe('stageModules', () => {
  it.each(['zstd', 'xz', 'gzip'] as const)('decompresses a .ko %s tree to the original .ko files and indexes them', async (c) => {
    const tree = trees.get(c)!;
    const plan = resolveModules(await loadModuleIndex(tree.moduleDir, { modprobeDirs: [] }), ['ext4', 'virtio_blk', 'virtio_net']);
    expect(plan.modules.every((m) => m.relPath.endsWith(c === 'gzip' ? '.ko.gz' : c === 'xz' ? '.ko.xz' : '.ko.zst'))).toBe(true);
    const dest = await newDest();
    const res = await stageModules(plan, tree.moduleDir, dest, tree.kv, { decompress: true });
    const kvDir = `lib/modules/${tree.kv}`;
    for (const m of plan.modules) {
      const plain = m.relPath.replace(/\.ko\.\w+$/, '.ko');
      expect(res.files).toContain(`${kvDir}/${plain}`);
      // Byte-identical to Debian's uncompressed original.
      expect((await readFile(join(dest, kvDir, plain))).equals(await readFile(join(REAL_MODULE_DIR, plain)))).toBe(true);
    }
    for (const f of ['modules.dep', 'modules.alias', 'modules.softdep', 'modules.builtin', 'modules.builtin.modinfo', 'modules.order', 'modules.dep.bin']) {
      expect(res.files).toContain(`${kvDir}/${f}`);
    }
    // depmod wrote the softdep from ext4's own modinfo, so kmod in the image pulls crc32c too.
    expect(await readFile(join(dest, kvDir, 'modules.softdep'), 'utf8')).toMatch(/^softdep ext4 pre: crypto-crc32c$/m);
    expect(await readFile(join(dest, kvDir, 'modules.dep'), 'utf8')).toMatch(/^kernel\/fs\/ext4\/ext4.ko: /m);
    expect(new Set(stagedShowDepends(dest, tree.kv, 'ext4'))).toEqual(new Set(['crc32c_intel', 'crc32c_generic', 'jbd2', 'mbcache', 'crc16', 'ext4']));
    expect((await readFile(join(dest, kvDir, 'modules.order'), 'utf8')).trim().split('\n').sort()).toEqual(
      plan.modules.map((m) => m.relPath.replace(/\.ko\.\w+$/, '.ko')).sort(),
    );
    let bytes = 0;
    for (const f of res.files) bytes += (await readFile(join(dest, f))).length;
    expect(res.bytes).toBe(bytes);
  });

  it('keeps .ko.zst byte for byte when asked, and depmod indexes the compressed names', async () => {
    const tree = trees.get('zstd')!;
    const plan = resolveModules(await loadModuleIndex(tree.moduleDir, { modprobeDirs: [] }), ['ext4']);
    const dest = await newDest();
    const res = await stageModules(plan, tree.moduleDir, dest, tree.kv, { decompress: false, concurrency: 2 });
    const kvDir = `lib/modules/${tree.kv}`;
    for (const m of plan.modules) {
      expect((await readFile(join(dest, kvDir, m.relPath))).equals(await readFile(join(tree.moduleDir, m.relPath)))).toBe(true);
    }
    expect(res.files.filter((f) => f.endsWith('.ko'))).toEqual([]);
    expect(await readFile(join(dest, kvDir, 'modules.dep'), 'utf8')).toMatch(/^kernel\/fs\/ext4\/ext4.ko.zst: /m);
    expect(new Set(stagedShowDepends(dest, tree.kv, 'ext4'))).toContain('crc32c_generic');
  });

  it('stages an empty plan (every wanted driver built in) as a tree with empty indexes', async () => {
    const tree = trees.get('zstd')!;
    const dest = await newDest();
    const res = await stageModules({ modules: [], builtin: ['ext4'], missing: [] }, tree.moduleDir, dest, tree.kv, { decompress: true });
    expect(res.files).toContain(`lib/modules/${tree.kv}/modules.dep`);
    expect(await readFile(join(dest, `lib/modules/${tree.kv}/modules.dep`), 'utf8')).toBe('');
  });

  it('stops with a GkError naming a truncated .ko.zst and saying to reinstall', async () => {
    const tree = await makeModuleTree('zstd', ['ext4']);
    try {
      const plan = resolveModules(await loadModuleIndex(tree.moduleDir, { modprobeDirs: [] }), ['ext4']);
      const victim = join(tree.moduleDir, 'kernel/fs/jbd2/jbd2.ko.zst');
      await truncate(victim, 5000);
      const err = await stageModules(plan, tree.moduleDir, await newDest(), tree.kv, { decompress: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GkError);
      expect((err as GkError).message).toContain(victim);
      expect((err as GkError).message).toMatch(/truncated or corrupt/);
      expect((err as GkError).hint).toMatch(/reinstall the kernel modules/);
      // Not zstd at all (a file overwritten with text): same kind of answer.
      await writeFile(victim, 'this is not a module\n'.repeat(10));
      const err2 = await stageModules(plan, tree.moduleDir, await newDest(), tree.kv, { decompress: true }).catch((e: unknown) => e);
      expect((err2 as GkError).message).toContain(victim);
    } finally {
      await tree.cleanup();
    }
  });
});
