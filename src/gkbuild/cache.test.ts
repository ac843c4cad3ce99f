import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ToolCache } from './cache.js';
import { removeTestDirs, testDir } from './test-context.js';

afterAll(removeTestDirs);

const KEY = 'f'.repeat(64);

describe('ToolCache', () => {
  it('counts an entry only once it is committed', () => {
    const cache = new ToolCache(join(testDir('toolcache-'), 'gkbuild'));
    const staging = cache.stage('kmod', KEY);
    writeFileSync(join(staging.root, 'kmod'), 'binary');
    expect(cache.lookup('kmod', KEY)).toBeUndefined(); // an interrupted build is never a hit
    const tool = cache.commit(staging, '30', 1.5);
    expect(tool).toEqual({ name: 'kmod', version: '30', key: KEY, root: join(cache.dir, 'kmod', KEY, 'root'), cached: false });
    expect(cache.lookup('kmod', KEY)).toEqual({ ...tool, cached: true });
    expect(existsSync(staging.dir)).toBe(false);
  });

  it('removes staging directories of processes that are gone, not those of live ones', () => {
    const cache = new ToolCache(join(testDir('toolcache-'), 'gkbuild'));
    const live = cache.stage('busybox', KEY);
    const dead = cache.stage('busybox', KEY);
    // pid 2^22+1 is above the kernel's pid_max: certainly not a running process.
    const deadDir = join(cache.dir, 'busybox', `.tmp-${2 ** 22 + 1}-abc`);
    renameSync(dead.dir, deadDir);
    cache.stage('busybox', KEY);
    const left = readdirSync(join(cache.dir, 'busybox'));
    expect(left).toContain(live.dir.split('/').pop());
    expect(left).not.toContain(deadDir.split('/').pop());
  });

  it('keeps the first entry when another run commits the same key', () => {
    const cache = new ToolCache(join(testDir('toolcache-'), 'gkbuild'));
    const a = cache.stage('zlib', KEY);
    const b = cache.stage('zlib', KEY);
    cache.commit(a, '1.2.13', 1);
    expect(cache.commit(b, '1.2.13', 1).root).toBe(join(cache.dir, 'zlib', KEY, 'root'));
    expect(readdirSync(join(cache.dir, 'zlib'))).toEqual([KEY]);
  });

  it('clear() removes only its own directory', () => {
    const top = testDir('toolcache-');
    writeFileSync(join(top, 'distfile.tar.xz'), 'x');
    const cache = new ToolCache(join(top, 'gkbuild'));
    cache.commit(cache.stage('xz', KEY), '5.4.1', 1);
    cache.clear();
    expect(readdirSync(top)).toEqual(['distfile.tar.xz']);
  });

  it('never uses an entry whose files changed after commit: it is dropped, so the tool is built again', () => {
    const cache = new ToolCache(join(testDir('toolcache-'), 'gkbuild'));
    for (const change of ['replace', 'add', 'relink'] as const) {
      const staging = cache.stage('busybox', KEY);
      mkdirSync(join(staging.root, 'bin'));
      writeFileSync(join(staging.root, 'bin/busybox'), 'the real busybox');
      symlinkSync('busybox', join(staging.root, 'bin/sh'));
      const tool = cache.commit(staging, '1.35.0', 1);
      expect(cache.lookup('busybox', KEY)).toEqual({ ...tool, cached: true });
      if (change === 'replace') writeFileSync(join(tool.root, 'bin/busybox'), 'a planted binary');
      if (change === 'add') writeFileSync(join(tool.root, 'bin/extra'), 'a planted file');
      if (change === 'relink') renameSync(join(tool.root, 'bin/busybox'), join(tool.root, 'bin/sh'));
      const notes: string[] = [];
      expect(cache.lookup('busybox', KEY, (t) => notes.push(t))).toBeUndefined();
      expect(notes).toEqual([expect.stringMatching(/cached busybox 1\.35\.0 .* was changed after it was built \(bin\/\w+ differs from its recorded digest\): building it again/)]);
      expect(readdirSync(join(cache.dir, 'busybox')), change).toEqual([]);
    }
  });

  it('records digests for an entry made before they existed, then holds it to them', () => {
    const cache = new ToolCache(join(testDir('toolcache-'), 'gkbuild'));
    const entry = join(cache.dir, 'kmod', KEY);
    mkdirSync(join(entry, 'root'), { recursive: true });
    writeFileSync(join(entry, 'root/kmod'), 'binary');
    writeFileSync(join(entry, 'meta.json'), JSON.stringify({ name: 'kmod', version: '30', key: KEY, builtAt: 'then', buildSeconds: 1 }));
    expect(cache.lookup('kmod', KEY)?.cached).toBe(true);
    expect(JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')).digests).toEqual({ kmod: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    writeFileSync(join(entry, 'root/kmod'), 'another binary');
    expect(cache.lookup('kmod', KEY)).toBeUndefined();
  });
});
