import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ImageTree } from './image-tree.js';
import { writeImage } from './write-image.js';
import { readImage } from './read-image.js';
import type { CompressorName } from './compressors.js';
import { fuzz, int, mutateBytes, pick } from '../../test/faults/fuzz-kit.js';
import { TEST_KV, TEST_MODULE_DIR } from '../../test/debian-kernel.js';

/**
 * `tsgenkernel inspect` reads whatever file it is pointed at. Real images written by writeImage
 * (plain, each in-process compressor, early cpio + compressed main part), mutated, must list or
 * stop with a GkError. Seeded; see test/faults/fuzz-kit.ts.
 */
let work: string;
const images = new Map<string, Buffer>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gk-fuzz-img-'));
  const tree = new ImageTree();
  tree.addFile('init', Buffer.from('#!/bin/sh\nexec /sbin/switch_root /newroot /sbin/init\n'), 0o755);
  // A real module: the kind of content images carry.
  tree.addFile(`lib/modules/${TEST_KV}/kernel/crypto/crc32c_generic.ko`, `${TEST_MODULE_DIR}/kernel/crypto/crc32c_generic.ko`);
  tree.addFile('etc/initrd.defaults', Buffer.from("REAL_ROOT='/dev/vda1'\n"));
  tree.addSymlink('sbin/modprobe', '../bin/kmod');
  tree.addDevice('dev/console', 'chardev', 5, 1);
  tree.ensureDir('newroot');
  const early = new ImageTree();
  early.addFile('kernel/x86/microcode/GenuineIntel.bin', Buffer.alloc(64, 0xaa));
  const kinds: Array<[string, CompressorName, boolean]> = [
    ['none', 'none', false],
    ['zstd', 'zstd', false],
    ['gzip', 'gzip', false],
    ['xz', 'xz', false],
    ['lzma', 'lzma', false],
    ['early+zstd', 'zstd', true],
    ['early+xz', 'xz', true],
  ];
  for (const [label, name, withEarly] of kinds) {
    const out = join(work, `${label}.img`);
    await writeImage(tree, out, { compressor: { name, level: 3 }, mtime: 1_700_000_000, ...(withEarly ? { early } : {}) });
    images.set(label, await readFile(out));
  }
});
afterAll(() => rm(work, { recursive: true, force: true }));

const TOKENS = ['070701', '070702', 'TRAILER!!!', '00000000', 'FFFFFFFF', '0000000B', '\u0000\u0000\u0000\u0000', '\x28\xb5\x2f\xfd', '\x1f\x8b', '\xfd7zXZ\x00'].map((t) => Buffer.from(t, 'latin1'));

describe('image reader under fuzzing', () => {
  it('reads every pristine image back (the fuzz starts from valid input)', async () => {
    for (const [label, buf] of images) {
      const parts = await readImage(buf, label);
      expect(parts.flatMap((p) => p.entries.map((e) => e.name)), label).toContain('init');
    }
  });

  it('lists or refuses mutated images with a GkError', async () => {
    const labels = [...images.keys()];
    const report = await fuzz({
      name: 'read-image',
      ms: 4000,
      maxCases: 5000,
      input: (rng) => {
        const base = images.get(pick(rng, labels))!;
        // Mostly small damage (the interesting case: almost valid), sometimes heavy.
        return rng() < 0.8 ? mutateBytes(rng, base, TOKENS) : mutateBytes(rng, mutateBytes(rng, base.subarray(0, int(rng, base.length + 1)), TOKENS), TOKENS);
      },
      target: (input) => readImage(input, 'fuzz.img'),
      checkError(err) {
        expect(err.message.startsWith('fuzz.img')).toBe(true);
      },
    });
    expect(report.accepted).toBeGreaterThan(10);
    expect(report.rejected).toBeGreaterThan(10);
  });
});
