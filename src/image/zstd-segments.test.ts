import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageTree } from './image-tree.js';
import { writeImage } from './write-image.js';
import { readImage } from './read-image.js';

let work: string;
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tsgk-zseg-'));
});

/** Bytes that differ from file to file, so a stale byte from another file would show. */
function pattern(bytes: number, seed: number): Buffer {
  const data = Buffer.alloc(bytes);
  for (let j = 0; j < data.length; j++) data[j] = ((j + seed) * 2654435761) >>> 24;
  return data;
}

describe('zstd segments with recycled buffers', () => {
  it('carry every file exactly, whatever the size of the segment packed before in the same buffer', async () => {
    // Segments of 64 kB: a large module first (a buffer of its own), then shrinking ones that reuse
    // the buffers of earlier, larger segments, with names and sizes that leave odd padding.
    const tree = new ImageTree();
    const expected = new Map<string, Buffer>();
    const sizes = [300_001, 90_003, 70_002, 65_537, 40_001, 3, 64_000, 1];
    sizes.forEach((size, i) => {
      const file = join(work, `m${i}.ko`);
      const data = pattern(size, i);
      writeFileSync(file, data);
      const path = `lib/modules/9.9.9/kernel/d${i}/mod-${'x'.repeat(i)}.ko`;
      tree.addFile(path, file);
      expected.set(path, data);
    });
    tree.addFile('bin/busybox', pattern(200_000, 99), 0o755);
    expected.set('bin/busybox', pattern(200_000, 99));
    const out = join(work, 'recycled.img');
    const written = await writeImage(tree, out, { compressor: { name: 'zstd', level: 3 }, mtime: 1, segmentBytes: 64_000 });
    expect(written.segments).toBeGreaterThan(5);
    const seen = new Map<string, Buffer>();
    for (const part of await readImage(readFileSync(out))) for (const e of part.entries) if (expected.has(e.name)) seen.set(e.name, e.data);
    expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [path, data] of expected) expect(seen.get(path)!.equals(data), path).toBe(true);
  });
});
