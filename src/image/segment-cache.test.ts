import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from './image-tree.js';
import { writeImage, type WrittenImage } from './write-image.js';
import { segmentEntries, segmentGroup } from './cpio-writer.js';

let work: string;
let tree: ImageTree;
const NOBODY = 65534;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tsgk-segcache-'));
  tree = new ImageTree();
  tree.addFile('init', Buffer.from('#!/bin/sh\necho hi\n'), 0o755);
  tree.addFile('etc/initrd.defaults', Buffer.from('REAL_ROOT=/dev/vda\n'));
  tree.addFile('bin/busybox', Buffer.alloc(200_000, 7), 0o755);
  for (let i = 0; i < 6; i++) {
    const data = Buffer.alloc(100_000);
    for (let j = 0; j < data.length; j++) data[j] = ((j + i) * 2654435761) >>> 24;
    const file = join(work, `m${i}.ko`);
    writeFileSync(file, data);
    tree.addFile(`lib/modules/9.9.9/kernel/m${i}.ko`, file);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function build(name: string, cacheDir: string | undefined, t = tree): Promise<{ bytes: Buffer; written: WrittenImage }> {
  const out = join(work, `${name}.img`);
  const written = await writeImage(t, out, {
    compressor: { name: 'zstd', level: 9 },
    mtime: 1_700_000_000,
    segmentBytes: 150_000,
    ...(cacheDir ? { segmentCache: { dir: cacheDir } } : {}),
  });
  return { bytes: readFileSync(out), written };
}

describe('segment cache', () => {
  it('a rebuild takes every segment from the cache and is byte-identical to a build from scratch', async () => {
    const cache = join(work, 'cache-a');
    const scratch = await build('scratch', undefined);
    const first = await build('first', cache);
    const second = await build('second', cache);
    expect(first.written.cache).toMatchObject({ hits: 0, misses: first.written.segments });
    expect(second.written.cache).toMatchObject({ hits: second.written.segments, misses: 0, rejected: 0 });
    expect(second.written.segments).toBeGreaterThan(3);
    expect(first.bytes.equals(scratch.bytes)).toBe(true);
    expect(second.bytes.equals(scratch.bytes)).toBe(true);
  });

  it('a changed conf file recompresses its own segment only', async () => {
    const cache = join(work, 'cache-b');
    const first = await build('conf-1', cache);
    const changed = new ImageTree();
    for (const e of tree.sorted()) if (e.kind === 'file') changed.addFile(e.path, e.source, e.mode);
    changed.addFile('etc/initrd.defaults', Buffer.from('REAL_ROOT=/dev/sda2 and a longer value\n'));
    const second = await build('conf-2', cache, changed);
    const scratch = await build('conf-scratch', undefined, changed);
    expect(second.written.cache).toMatchObject({ misses: 1, hits: first.written.segments! - 1 });
    expect(second.bytes.equals(scratch.bytes)).toBe(true);
  });

  it('a damaged entry is detected, not used, and rebuilt; so is one another user could have written', async () => {
    const cache = join(work, 'cache-c');
    const scratch = await build('dmg-scratch', undefined);
    await build('dmg-1', cache);
    const entries = readdirSync(cache).map((n) => join(cache, n)).sort((a, b) => statSync(b).size - statSync(a).size);
    const damaged = entries[0]!;
    const bytes = readFileSync(damaged);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const foreign = entries[1]!;
    chownSync(foreign, NOBODY, NOBODY);
    const writable = entries[2]!;
    chmodSync(writable, 0o666);
    const second = await build('dmg-2', cache);
    expect(second.written.cache).toMatchObject({ rejected: 3, misses: 3 });
    expect(second.bytes.equals(scratch.bytes)).toBe(true);
    // Rebuilt as root's own, closed entries: the next build takes them all.
    expect(statSync(foreign).uid).toBe(process.getuid!());
    expect(statSync(writable).mode & 0o022).toBe(0);
    const third = await build('dmg-3', cache);
    expect(third.written.cache).toMatchObject({ hits: third.written.segments, rejected: 0 });
  });

  it('keeps the cache within its budget, least recently used out first', async () => {
    const cache = join(work, 'cache-d');
    await writeImage(tree, join(work, 'budget.img'), { compressor: { name: 'zstd', level: 3 }, mtime: 1, segmentBytes: 150_000, segmentCache: { dir: cache, budgetBytes: 200_000 } });
    const total = readdirSync(cache).reduce((n, f) => n + statSync(join(cache, f)).size, 0);
    expect(total).toBeLessThanOrEqual(200_000);
    expect(readdirSync(cache).length).toBeGreaterThan(0);
  });
});

describe('segment cuts', () => {
  it('give large parts of the tree archives of their own, and cut lib/modules by the modules alone', async () => {
    expect(['init', 'etc/x', 'lib/modules/k/a.ko', 'usr/bin/x', 'lib'].map(segmentGroup)).toEqual(['init', 'etc', 'lib/modules', 'usr/bin', 'lib']);
    const segs = (await segmentEntries(tree.sorted(), 150_000)).map((s) => s.entries);
    const groupsOf = (s: { path: string }[]) => [...new Set(s.map((e) => segmentGroup(e.path)))];
    for (const s of segs) if (groupsOf(s).some((g) => g === 'bin' || g === 'lib/modules')) expect(groupsOf(s)).toHaveLength(1);
    const modulesCuts = (t: ImageTree) => segmentEntries(t.sorted(), 150_000).then((x) => x.map((s) => s.entries).filter((s) => segmentGroup(s[0]!.path) === 'lib/modules').map((s) => s.map((e) => e.path)));
    const bigger = new ImageTree();
    for (const e of tree.sorted()) if (e.kind === 'file') bigger.addFile(e.path, e.source, e.mode);
    bigger.addFile('bin/busybox', Buffer.alloc(123_457));
    expect(await modulesCuts(bigger)).toEqual(await modulesCuts(tree));
  });

  it('pool the small parts (empty directories, conf, links) between large ones into one archive', async () => {
    const t = new ImageTree();
    t.addFile('bin/busybox', Buffer.alloc(200_000, 1), 0o755);
    t.ensureDir('dev');
    t.addFile('etc/initrd.defaults', Buffer.from('A=1\n'));
    t.addFile('init', Buffer.from('#!/bin/sh\n'), 0o755);
    t.addFile('lib/modules/9.9.9/kernel/a.ko', Buffer.alloc(200_000, 2));
    t.ensureDir('proc');
    t.addSymlink('sbin/modprobe', '/bin/kmod');
    t.ensureDir('sys');
    const segs = (await segmentEntries(t.sorted(), 150_000)).map((s) => [...new Set(s.entries.map((e) => segmentGroup(e.path)))]);
    expect(segs).toEqual([['bin'], ['dev', 'etc', 'init', 'lib'], ['lib/modules'], ['proc', 'sbin', 'sys']]);
  });
});
