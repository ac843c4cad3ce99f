/**
 * Speed against size of the compressors, over the exact uncompressed stream our generic image
 * carries (its zstd frames decompressed back to newc). Each measurement is a child process
 * (bench/compress-child.ts) so peak RSS is the compressor's own; decompression is timed with
 * the CLI tool on one thread, a stand-in for the kernel's single-threaded unpacking at boot.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureOk, median } from './measure.js';
import { kibToMib, mib, secs } from './report.js';

const CHILD = fileURLToPath(new URL('./compress-child.js', import.meta.url));
/** The launcher's malloc settings, so RSS is what a tsgenkernel run would see. */
const ENV = { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '0', MALLOC_ARENA_MAX: '2', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
const DECOMPRESS: Record<string, string> = { zstd: 'zstd -dc', xz: 'xz -dc', gzip: 'gzip -dc' };

/** The uncompressed newc stream of a zstd image (concatenated frames decompress to concatenated archives). */
export function rawStream(image: string, dest: string): number {
  execFileSync('sh', ['-c', 'zstd -dc "$1" > "$2"', 'sh', image, dest]);
  return statSync(dest).size;
}

interface Compressed {
  ms: number;
  wallMs: number;
  bytes: number;
  peakKiB: number;
  decompressMs: number;
}

async function compressOnce(raw: string, work: string, codec: string, level: number, segMiB: number, runs: number): Promise<Compressed> {
  mkdirSync(work, { recursive: true });
  const out = join(work, `${codec}-${level}-${segMiB}.out`);
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await measureOk(`${codec} -${level}`, 'node', [CHILD, raw, out, codec, String(level), String(segMiB)], { env: ENV }));
  const parsed = all.map((m) => JSON.parse(m.stdout) as { ms: number; bytes: number });
  const unpack = [];
  for (let i = 0; i < 3; i++) unpack.push((await measureOk('decompress', 'sh', ['-c', `${DECOMPRESS[codec]} "$1" > /dev/null`, 'sh', out])).wallMs);
  return {
    ms: median(parsed.map((p) => p.ms)),
    wallMs: median(all.map((m) => m.wallMs)),
    bytes: parsed[0]!.bytes,
    peakKiB: Math.max(...all.map((m) => m.peakTreeKiB)),
    decompressMs: median(unpack),
  };
}

export const LEVEL_CHOICES: ReadonlyArray<[string, number]> = [
  ...[1, 3, 6, 9, 12, 15, 19].map((l) => ['zstd', l] as [string, number]),
  ...[1, 6, 9].map((l) => ['xz', l] as [string, number]),
  ...[6, 9].map((l) => ['gzip', l] as [string, number]),
];

/** Rows: compressor, compress s, MiB, ratio, MB/s, decompress s, peak RSS. */
export async function levelRows(raw: string, work: string, runs: number): Promise<string[][]> {
  const rawBytes = statSync(raw).size;
  const rows: string[][] = [];
  for (const [codec, level] of LEVEL_CHOICES) {
    const c = await compressOnce(raw, work, codec, level, 32, runs);
    rows.push([`${codec} -${level}`, secs(c.ms), mib(c.bytes, 2), (rawBytes / c.bytes).toFixed(2), (rawBytes / 1e6 / (c.ms / 1000)).toFixed(0), secs(c.decompressMs), kibToMib(c.peakKiB)]);
  }
  return rows;
}

/** Rows: segment MiB, compress s, MiB, peak RSS — zstd at `level`, two segments in flight. */
export async function segmentRows(raw: string, work: string, level: number, runs: number): Promise<string[][]> {
  const rows: string[][] = [];
  for (const seg of [4, 8, 16, 32, 64]) {
    const c = await compressOnce(raw, work, 'zstd', level, seg, runs);
    rows.push([`${seg} MiB`, secs(c.ms), mib(c.bytes, 3), kibToMib(c.peakKiB)]);
  }
  return rows;
}
