import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTestDirs, testDir } from './test-context.js';
import { GkError } from '../errors.js';
import { loadManifest, parseManifest, sha256File, verifiedDistfile } from './manifest.js';
import { defaultRecipeSources } from './paths.js';
import type { Distfile } from './types.js';

afterAll(removeTestDirs);

describe('the shipped manifest', () => {
  const sources = defaultRecipeSources();
  const manifest = loadManifest(sources.manifestPath);

  it('has a recipe for every tarball and pins the versions the project builds', () => {
    expect([...manifest.keys()].sort()).toEqual(['busybox', 'kmod', 'xz', 'zlib', 'zstd']);
    for (const d of manifest.values()) expect(existsSync(join(sources.gkbuildsDir, `${d.recipe}.gkbuild`))).toBe(true);
    expect(manifest.get('kmod')?.version).toBe('30+20221128');
    expect(manifest.get('busybox')?.file).toBe('busybox_1.35.0.orig.tar.bz2');
  });
});

describe('parseManifest', () => {
  it('reads fields and upstream URLs, skipping comments', () => {
    const m = parseManifest(`# comment\n\nfoo 1.0 foo-src foo_1.0.orig.tar.gz ${'a'.repeat(64)} https://example.invalid/foo.tgz\n`);
    expect(m.get('foo')).toEqual({
      recipe: 'foo', version: '1.0', debianSource: 'foo-src', file: 'foo_1.0.orig.tar.gz', sha256: 'a'.repeat(64),
      upstreamUrls: ['https://example.invalid/foo.tgz'],
    });
  });

  it('rejects a line without a valid sha256', () => {
    expect(() => parseManifest('foo 1.0 foo foo.tar.gz nothex\n')).toThrow(/expected/);
  });
});

describe('verifiedDistfile', () => {
  const dir = testDir('distdir-');
  writeFileSync(join(dir, 'foo_1.0.orig.tar.gz'), 'real content\n');
  const entry = async (sha?: string): Promise<Distfile> => ({
    recipe: 'foo', version: '1.0', debianSource: 'foo', file: 'foo_1.0.orig.tar.gz',
    sha256: sha ?? (await sha256File(join(dir, 'foo_1.0.orig.tar.gz'))), upstreamUrls: [],
  });

  it('returns the path of a tarball whose checksum matches', async () => {
    expect(await verifiedDistfile(dir, await entry(), '/x/scripts/fetch-distfiles')).toBe(join(dir, 'foo_1.0.orig.tar.gz'));
  });

  it('names the missing file and the fetch script', async () => {
    const err = await verifiedDistfile(join(dir, 'empty'), await entry(), '/x/scripts/fetch-distfiles').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).oneLine()).toMatch(/foo_1\.0\.orig\.tar\.gz .*is not in .*empty.*\/x\/scripts\/fetch-distfiles/);
  });

  it('names the file and both checksums on a mismatch', async () => {
    const err = await verifiedDistfile(dir, await entry('0'.repeat(64)), '/x/scripts/fetch-distfiles').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    const line = (err as GkError).oneLine();
    expect(line).toContain(join(dir, 'foo_1.0.orig.tar.gz'));
    expect(line).toContain('0'.repeat(64));
    expect(line).toContain(await sha256File(join(dir, 'foo_1.0.orig.tar.gz')));
    expect(line).toContain('fetch-distfiles');
  });
});
