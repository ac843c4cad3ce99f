import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GkError } from '../errors.js';
import { readTarArchive } from './read-tar.js';
import { compressionForPath, writeTarArchive } from './tar-archive.js';
import { treeMembers } from './tree-members.js';

const work = mkdtempSync(join(tmpdir(), 'tsgk-tar-'));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(work, { recursive: true, force: true });
});

/** A small module-like tree: nested dirs, a binary file, an executable, a symlink. */
function sampleTree(): string {
  const root = mkdtempSync(join(work, 'tree-'));
  mkdirSync(join(root, 'kernel/drivers'), { recursive: true });
  writeFileSync(join(root, 'kernel/drivers/b.ko'), randomBytes(70_000));
  writeFileSync(join(root, 'kernel/a.ko'), 'module a');
  writeFileSync(join(root, 'modules.dep'), 'kernel/a.ko:\n', { mode: 0o600 });
  writeFileSync(join(root, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  symlinkSync('/usr/src/linux', join(root, 'build'));
  return root;
}

const SUFFIXES = ['.tar', '.tar.gz', '.tar.xz', '.tar.zst', '.tar.bz2'];

describe('writeTarArchive', () => {
  const tree = sampleTree();
  for (const suffix of SUFFIXES) {
    it(`${suffix}: tar-stream and GNU tar read back the same tree`, async () => {
      const dest = join(work, `modules${suffix}`);
      const bytes = await writeTarArchive(dest, treeMembers(tree, 'lib/modules/9.9.9'), { env: { SOURCE_DATE_EPOCH: '1700000000' } });
      expect(bytes).toBeGreaterThan(0);
      const members = await readTarArchive(dest);
      const names = members.map((m) => m.header.name);
      expect(names).toEqual([
        'lib/',
        'lib/modules/',
        'lib/modules/9.9.9/',
        'lib/modules/9.9.9/build',
        'lib/modules/9.9.9/kernel/',
        'lib/modules/9.9.9/kernel/a.ko',
        'lib/modules/9.9.9/kernel/drivers/',
        'lib/modules/9.9.9/kernel/drivers/b.ko',
        'lib/modules/9.9.9/modules.dep',
        'lib/modules/9.9.9/tool',
      ]);
      const byName = new Map(members.map((m) => [m.header.name, m]));
      expect(byName.get('lib/modules/9.9.9/kernel/drivers/b.ko')!.data.equals(readFileSync(join(tree, 'kernel/drivers/b.ko')))).toBe(true);
      expect(byName.get('lib/modules/9.9.9/build')!.header.linkname).toBe('/usr/src/linux');
      expect(byName.get('lib/modules/9.9.9/tool')!.header.mode).toBe(0o755);
      expect(byName.get('lib/modules/9.9.9/modules.dep')!.header.mode).toBe(0o600);
      for (const m of members) {
        expect(m.header.uid).toBe(0);
        expect(m.header.mtime!.getTime()).toBe(1700000000 * 1000);
      }

      // GNU tar, which picks the decompressor itself, unpacks the same files.
      const out = mkdtempSync(join(work, 'gnu-'));
      execFileSync('tar', ['-xf', dest, '-C', out]);
      expect(readFileSync(join(out, 'lib/modules/9.9.9/kernel/a.ko'), 'utf8')).toBe('module a');
      expect(readFileSync(join(out, 'lib/modules/9.9.9/kernel/drivers/b.ko')).equals(readFileSync(join(tree, 'kernel/drivers/b.ko')))).toBe(true);
      expect(execFileSync('tar', ['-tvf', dest], { encoding: 'utf8' })).toMatch(/root\/root .* lib\/modules\/9\.9\.9\/build -> \/usr\/src\/linux/);
      // Only the archive in its directory: no temp file left behind.
      expect(readdirSync(work).filter((n) => n.includes('tsgk-'))).toEqual([]);
    });
  }

  it('is byte-reproducible under SOURCE_DATE_EPOCH, whatever the files’ mtimes', async () => {
    const env = { SOURCE_DATE_EPOCH: '1600000000' };
    for (const suffix of ['.tar.gz', '.tar.xz', '.tar.zst']) {
      const one = join(work, `r1${suffix}`);
      const two = join(work, `r2${suffix}`);
      await writeTarArchive(one, treeMembers(tree, 'lib/modules/9.9.9'), { env });
      utimesSync(join(tree, 'kernel/a.ko'), new Date(), new Date(Date.now() - 86_400_000));
      await writeTarArchive(two, treeMembers(tree, 'lib/modules/9.9.9'), { env });
      expect(readFileSync(one).equals(readFileSync(two)), suffix).toBe(true);
    }
  });

  it('zstd over several frames (a tree larger than one frame) reads back whole', async () => {
    const big = mkdtempSync(join(work, 'big-'));
    const data = randomBytes(9 << 20);
    writeFileSync(join(big, 'blob'), data);
    const dest = join(work, 'big.tar.zst');
    await writeTarArchive(dest, treeMembers(big, 'x'));
    const members = await readTarArchive(dest);
    expect(members.find((m) => m.header.name === 'x/blob')!.data.equals(data)).toBe(true);
  });

  it('a directory that does not exist: one GkError, nothing written', async () => {
    const dest = join(work, 'no-such-dir', 'k.tar.xz');
    const err = await writeTarArchive(dest, treeMembers(tree, 'x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toMatch(/directory .*no-such-dir does not exist/);
  });

  it('an unknown suffix: one GkError naming the suffixes', () => {
    expect(() => compressionForPath('/tmp/k.zip')).toThrow(/no suffix saying how to compress/);
    expect(compressionForPath('/tmp/k.TBZ2').name).toBe('bzip2');
  });

  it('a member that vanishes mid-archive: the error propagates and no temp or partial file stays', async () => {
    const dest = join(work, 'vanish', 'v.tar');
    mkdirSync(join(work, 'vanish'));
    const members = [{ name: 'gone', type: 'file' as const, mode: 0o644, source: join(work, 'missing-file'), size: 10 }];
    await expect(writeTarArchive(dest, members)).rejects.toBeInstanceOf(GkError);
    expect(readdirSync(join(work, 'vanish'))).toEqual([]);
  });

  it('names its temp file in the build\'s scratch paths while it writes (an interrupt removes it), and drops it once done', async () => {
    const dir = mkdtempSync(join(work, 'scratch-'));
    const scratch = new Set<string>();
    const seen: string[][] = [];
    async function* members() {
      seen.push([...scratch]);
      yield { name: 'a', type: 'file' as const, mode: 0o644, source: join(tree, 'kernel/a.ko'), size: 8 };
    }
    await writeTarArchive(join(dir, 'p.tar.zst'), members(), { scratch });
    expect(seen).toEqual([[join(dir, `.p.tar.zst.tsgk-${process.pid}.tmp`)]]);
    expect(scratch.size).toBe(0);
  });

  it('a full disk: one GkError, no partial archive and no temp file', async () => {
    const small = join(work, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', small]);
    mounts.push(small);
    const big = mkdtempSync(join(work, 'full-'));
    writeFileSync(join(big, 'blob'), randomBytes(3 << 20));
    const err = await writeTarArchive(join(small, 'm.tar'), treeMembers(big, 'x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GkError);
    expect((err as GkError).message).toMatch(/no space left while writing .*m\.tar; no partial archive/);
    expect(readdirSync(small)).toEqual([]);
  });
});

describe('readTarArchive', () => {
  it('a file that is not a tar: one GkError', async () => {
    const p = join(work, 'not.tar.gz');
    writeFileSync(p, 'hello, not a tar at all');
    await expect(readTarArchive(p)).rejects.toThrow(/is not a tar archive/);
    const gz = join(work, 'text.gz');
    execFileSync('sh', ['-c', `echo plain text | gzip > ${gz}`]);
    await expect(readTarArchive(gz)).rejects.toThrow(/is not a tar archive/);
  });
});
