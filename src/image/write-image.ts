import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { cpioArchive, entryDataSize } from './cpio-writer.js';
import type { CacheStats, SegmentCache } from './segment-cache.js';
import { compressStream, type CompressorChoice } from './compressors.js';
import { ZstdSegments, type SegmentsWritten } from './zstd-segments.js';
import type { ImageTree } from './image-tree.js';

export interface WriteImageOptions {
  compressor: CompressorChoice;
  /** Seconds since the epoch given to every entry. */
  mtime: number;
  /** Entries of the uncompressed early archive (microcode) that precedes the main one. */
  early?: ImageTree;
  /**
   * zstd segment size. Each segment is a complete archive in its own frame, so two can be
   * compressed at once and memory stays bounded; the kernel unpacks concatenated archives.
   */
  segmentBytes?: number;
  /** Reuse compressed zstd segments of earlier builds (src/image/segment-cache.ts). */
  segmentCache?: SegmentCache;
  /** Called as archive bytes are produced (before compression), with the expected total. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface WrittenImage {
  bytes: number;
  uncompressedBytes: number;
  /** zstd: how many frames, and what the segment cache gave. */
  segments?: number;
  cache?: CacheStats;
}

export async function writeImage(tree: ImageTree, dest: string, opts: WriteImageOptions): Promise<WrittenImage> {
  const out = createWriteStream(dest, { mode: 0o600 });
  const outDone = finished(out);
  outDone.catch(() => undefined); // its error is writeError, rethrown below; unobserved it would crash the process
  // Surface write errors (ENOSPC) from whichever await is pending.
  let writeError: Error | undefined;
  out.on('error', (e) => (writeError = e));
  let uncompressed = 0;
  let zstd: SegmentsWritten | undefined;
  // The archive's size is its data plus headers; data dominates, so that is the total shown.
  const entries = tree.sorted();
  let total = 0;
  if (opts.onProgress) for (const e of entries) total += await entryDataSize(e);
  const report = () => opts.onProgress?.(uncompressed, Math.max(total, uncompressed));
  const counted = (archive: Readable): Readable => {
    // .pipe() does not forward errors: without this, a source file that cannot be read makes the
    // archive emit an 'error' nobody listens to, which kills the process instead of failing the build.
    const t = archive.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          uncompressed += chunk.length;
          report();
          cb(null, chunk);
        },
      }),
    );
    archive.on('error', (e) => t.destroy(e));
    return t;
  };
  try {
    if (opts.early && opts.early.size > 0) {
      const earlyEntries = opts.early.sorted();
      await compressStream({ name: 'none', level: 0 }, counted(cpioArchive(earlyEntries, { mtime: opts.mtime })), out);
    }
    if (opts.compressor.name === 'zstd') {
      const count = (n: number) => {
        uncompressed += n;
        report();
      };
      const segOpts = { level: opts.compressor.level, mtime: opts.mtime, segmentBytes: opts.segmentBytes, segmentCache: opts.segmentCache };
      zstd = await new ZstdSegments(segOpts).write(entries, (buf) => writeChunk(out, buf), count);
    } else {
      await compressStream(opts.compressor, counted(cpioArchive(entries, { mtime: opts.mtime })), out);
    }
    out.end();
    await outDone;
  } catch (err) {
    out.destroy();
    throw writeError ?? err;
  }
  if (writeError) throw writeError;
  return { bytes: out.bytesWritten, uncompressedBytes: uncompressed, ...zstd };
}

function writeChunk(out: NodeJS.WritableStream, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(buf, (err) => (err ? reject(err) : resolve()));
  });
}
