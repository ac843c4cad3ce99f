/**
 * Reading and writing initramfs images in tests, independently of the build's own code: an
 * image is zero or more uncompressed newc archives (early microcode) followed by one
 * compressed stream, which itself may hold several newc archives back to back (the kernel
 * unpacks them all; GNU cpio stops at the first TRAILER!!!, so they are split here).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const NEWC = '070701';
const align4 = (n: number) => (n + 3) & ~3;

export interface NewcEntry {
  name: string;
  mode: number;
}

/**
 * Walk back-to-back newc archives from the start of buf (zero padding between them allowed).
 * Returns each archive's byte range, its entries, and where non-newc data starts.
 */
export function newcArchives(buf: Buffer): { archives: { start: number; end: number; entries: NewcEntry[] }[]; rest: number } {
  const archives: { start: number; end: number; entries: NewcEntry[] }[] = [];
  let off = 0;
  for (;;) {
    while (off < buf.length && buf[off] === 0) off++;
    if (off >= buf.length || buf.subarray(off, off + 6).toString('latin1') !== NEWC) break;
    const start = off;
    const entries: NewcEntry[] = [];
    for (;;) {
      const header = buf.subarray(off, off + 110).toString('latin1');
      if (!header.startsWith(NEWC)) throw new Error(`bad newc header at byte ${off}`);
      const mode = parseInt(header.slice(14, 22), 16);
      const fileSize = parseInt(header.slice(54, 62), 16);
      const nameSize = parseInt(header.slice(94, 102), 16);
      const name = buf.subarray(off + 110, off + 110 + nameSize - 1).toString('latin1');
      off = align4(align4(off + 110 + nameSize) + fileSize);
      if (name === 'TRAILER!!!') break;
      entries.push({ name, mode });
    }
    archives.push({ start, end: off, entries });
  }
  return { archives, rest: off };
}

/** The shell decompressor for data starting with these bytes. */
export function decompressorFor(head: Buffer): string {
  const hex = head.subarray(0, 6).toString('hex');
  if (hex.startsWith('28b52ffd')) return 'zstd -dc';
  if (hex.startsWith('fd377a585a00')) return 'xz -dc';
  if (hex.startsWith('5d00')) return 'xz -dc --format=lzma';
  if (hex.startsWith('1f8b')) return 'gzip -dc';
  if (hex.startsWith('425a68')) return 'bzip2 -dc';
  if (hex.startsWith('02214c18') || hex.startsWith('04224d18')) return 'lz4 -dc';
  throw new Error(`unknown initramfs compression (magic ${hex})`);
}

export interface ImageParts {
  /** Leading uncompressed archives, byte for byte (early microcode), if any. */
  early?: Buffer;
  /** The compressed stream, decompressed. */
  main: Buffer;
}

export function readImage(image: string): ImageParts {
  const raw = readFileSync(image);
  const { archives, rest } = newcArchives(raw);
  const early = archives.length ? raw.subarray(0, rest) : undefined;
  if (rest >= raw.length) return { early: undefined, main: raw };
  const compressed = raw.subarray(rest);
  const main = execFileSync('sh', ['-c', decompressorFor(compressed)], { input: compressed, maxBuffer: 1 << 30 });
  return { early, main };
}

/** Every path in the image (early archives included), as cpio stores it. */
export function listImage(image: string): string[] {
  const { early, main } = readImage(image);
  const names: string[] = [];
  for (const part of [early, main]) {
    if (part) for (const a of newcArchives(part).archives) names.push(...a.entries.map((e) => e.name));
  }
  return names;
}

/** Unpack the image's compressed part into dir with GNU cpio, one archive at a time. */
export function unpackImage(image: string, dir: string): { early?: Buffer } {
  const { early, main } = readImage(image);
  mkdirSync(dir, { recursive: true });
  for (const a of newcArchives(main).archives) {
    execFileSync('cpio', ['-idmu', '--quiet', '--no-absolute-filenames'], { cwd: dir, input: main.subarray(a.start, a.end) });
  }
  return { early };
}

/** newc archive of dir, zstd-compressed, the early archives (if any) in front. */
export function packImage(dir: string, out: string, early?: Buffer): void {
  const body = execFileSync('sh', ['-c', 'find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | zstd -q -3'], {
    cwd: dir,
    maxBuffer: 1 << 30,
  });
  writeFileSync(out, early ? Buffer.concat([early, body]) : body);
}
