import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtemp, writeFile, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ImageTree } from './image-tree.js';
import { writeImage } from './write-image.js';
import { readImage } from './read-image.js';
import type { CompressorName } from './compressors.js';

let work: string;
let tree: ImageTree;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsgk-img-'));
  const big = join(work, 'big.bin');
  // Incompressible-ish content larger than one zstd segment in the segmented test.
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  await writeFile(big, data);
  tree = new ImageTree();
  tree.addFile('init', Buffer.from('#!/bin/sh\necho hi\n'), 0o755);
  tree.addFile('lib/modules/big.bin', big);
  tree.addSymlink('sbin/modprobe', 'kmod');
  tree.addDevice('dev/console', 'chardev', 5, 1);
  tree.addDevice('dev/null', 'chardev', 1, 3, 0o666);
  tree.ensureDir('proc');
});

async function build(name: CompressorName, extra: { segmentBytes?: number; mtime?: number } = {}): Promise<string> {
  const out = join(work, `img-${name}-${extra.segmentBytes ?? 0}-${extra.mtime ?? 0}.cpio`);
  await writeImage(tree, out, { compressor: { name, level: 3 }, mtime: extra.mtime ?? 1_700_000_000, segmentBytes: extra.segmentBytes });
  return out;
}

describe('image writer', () => {
  it('writes an archive GNU cpio reads back, with device nodes, modes and links', async () => {
    const img = await build('none');
    const list = await execa('cpio', ['-t', '-v', '--quiet'], { input: await readFile(img) });
    const lines = list.stdout.split('\n');
    expect(lines.find((l) => l.endsWith(' dev/console'))).toMatch(/^crw-------\s+1 root\s+root\s+5,\s+1 /);
    expect(lines.find((l) => l.endsWith(' dev/null'))).toMatch(/^crw-rw-rw-/);
    expect(lines.find((l) => l.includes('sbin/modprobe'))).toMatch(/^lrwxrwxrwx.* sbin\/modprobe -> kmod$/);
    expect(lines.find((l) => l.endsWith(' init'))).toMatch(/^-rwxr-xr-x/);
    // Parents precede children.
    const names = lines.map((l) => l.split(' ').pop());
    expect(names.indexOf('lib')).toBeLessThan(names.indexOf('lib/modules'));
    const dir = join(work, 'extract');
    await mkdir(dir);
    await execa('cpio', ['-i', '-d', '--quiet', '--no-absolute-filenames', 'init', 'lib/modules/big.bin', 'lib', 'lib/modules'], { input: await readFile(img), cwd: dir });
    expect(await readFile(join(dir, 'lib/modules/big.bin'))).toEqual(await readFile(join(work, 'big.bin')));
  });

  it.each(['zstd', 'gzip', 'xz', 'lzma', 'lz4', 'bzip2'] as CompressorName[])('round-trips through %s', async (name) => {
    const img = await build(name);
    const parts = await readImage(await readFile(img));
    expect(parts.map((p) => p.compression)).toEqual([name]);
    const names = parts[0]!.entries.map((e) => e.name);
    expect(names).toContain('lib/modules/big.bin');
    expect(parts[0]!.entries.find((e) => e.name === 'init')!.data.toString()).toBe('#!/bin/sh\necho hi\n');
  });

  it('splits zstd output into complete archives, one frame each, readable by zstd(1)', async () => {
    const img = await build('zstd', { segmentBytes: 100_000 });
    const raw = await execa('zstd', ['-d', '-c', img], { encoding: 'buffer' });
    const trailers = Buffer.from(raw.stdout as Uint8Array).toString('latin1').split('TRAILER!!!').length - 1;
    expect(trailers).toBeGreaterThan(1);
    const parts = await readImage(await readFile(img));
    expect(parts[0]!.entries.map((e) => e.name)).toEqual(tree.sorted().map((e) => e.path));
  });

  it('is byte-identical for the same input and mtime, and differs with another mtime', async () => {
    const a = await readFile(await build('zstd', { mtime: 42 }));
    const b = await readFile(await build('zstd', { mtime: 42, segmentBytes: 32 * 1024 * 1024 }));
    const c = await readFile(await build('zstd', { mtime: 43 }));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    const parts = await readImage(a);
    expect(new Set(parts[0]!.entries.map((e) => e.mtime))).toEqual(new Set([42]));
    expect(new Set(parts[0]!.entries.map((e) => `${e.uid}:${e.gid}`))).toEqual(new Set(['0:0']));
  });

  it('puts an uncompressed early archive in front of the compressed one', async () => {
    const early = new ImageTree();
    early.addFile('kernel/x86/microcode/GenuineIntel.bin', Buffer.from('ucode'));
    const out = join(work, 'early.img');
    await writeImage(tree, out, { compressor: { name: 'zstd', level: 3 }, mtime: 1, early });
    const parts = await readImage(await readFile(out));
    expect(parts.map((p) => p.compression)).toEqual(['none', 'zstd']);
    expect(parts[0]!.entries.map((e) => e.name)).toContain('kernel/x86/microcode/GenuineIntel.bin');
    expect(parts[1]!.offset % 4).toBe(0);
  });
});

describe('zstd level', () => {
  it('is honoured: a higher level gives a smaller image of the same content', async () => {
    const text = Buffer.from(Array.from({ length: 40000 }, (_, i) => `line ${i % 997} of some repetitive module text ${i % 13}\n`).join(''));
    const t = new ImageTree();
    t.addFile('data.txt', text);
    const sizes: number[] = [];
    for (const level of [1, 19]) {
      const out = join(work, `level-${level}.img`);
      sizes.push((await writeImage(t, out, { compressor: { name: 'zstd', level }, mtime: 1 })).bytes);
    }
    expect(sizes[1]).toBeLessThan(sizes[0]!);
  });
});
