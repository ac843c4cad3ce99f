import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { availableParallelism } from 'node:os';
import { archiveSize, cpioArchive, cpioBuffer, entryDataSize, segmentEntries } from './cpio-writer.js';
import { SegmentStore, type CacheStats, type SegmentCache } from './segment-cache.js';
import { compressStream, zstdFrame, type CompressorChoice } from './compressors.js';
import type { ImageEntry, ImageTree } from './image-tree.js';

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

interface SegmentsWritten {
  segments: number;
  cache?: CacheStats;
}

// 8 MiB: two segments in flight at level 9 keep an --all-ramdisk-modules build (4023 modules) at
// 167 MB of RSS (16 MiB: 221 MB), for +0.5% image size. Measured; see README "Performance".
const DEFAULT_SEGMENT = 8 * 1024 * 1024;

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
      zstd = await writeZstdSegments(entries, opts, (buf) => writeChunk(out, buf), count);
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

async function writeZstdSegments(
  entries: ImageEntry[],
  opts: WriteImageOptions,
  write: (b: Buffer) => Promise<void>,
  count: (n: number) => void,
): Promise<SegmentsWritten> {
  const segments = await segmentEntries(entries, opts.segmentBytes ?? DEFAULT_SEGMENT);
  const level = opts.compressor.level;
  const store = opts.segmentCache ? new SegmentStore(opts.segmentCache, 'zstd', level) : undefined;
  // One compression per core (each zstd context at level 9 holds tens of MB, so no more than
  // the cores can run), and one segment packed ahead, waiting for a free core: with only as many
  // segments in flight as cores, one core idled whenever the main thread read, packed and
  // digested the next segment. Frames are written in order.
  const cores = Math.max(2, Math.min(availableParallelism(), 4));
  const inFlight = cores + 1;
  const compress = limiter(cores);
  const queue: Array<Promise<Buffer>> = [];
  for (const seg of segments) {
    // The identity key first: a hit needs neither the files' bytes nor a digest of them.
    const identity = store?.identityKey(seg, opts.mtime);
    let cached = identity ? store!.frameByIdentity(identity) : undefined;
    let raw: Buffer | undefined;
    let key: string | undefined;
    if (cached) {
      count(await archiveSize(seg));
    } else {
      raw = await cpioBuffer(seg, { mtime: opts.mtime });
      count(raw.length);
      key = store?.key(raw);
      cached = key ? store!.frame(key) : undefined;
      if (cached && identity) store!.link(identity, key!);
    }
    store?.count(cached !== undefined);
    const frame = cached
      ? Promise.resolve(cached)
      : compress(() => zstdFrame(raw!, level)).then((f) => {
          if (key) {
            store!.put(key, f);
            if (identity) store!.link(identity, key);
          }
          return f;
        });
    frame.catch(() => undefined); // awaited in order below; a later frame failing first must not go unhandled
    queue.push(frame);
    while (queue.length >= inFlight) await write(await queue.shift()!);
  }
  while (queue.length > 0) await write(await queue.shift()!);
  store?.prune();
  return { segments: segments.length, cache: store?.stats };
}

function writeChunk(out: NodeJS.WritableStream, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(buf, (err) => (err ? reject(err) : resolve()));
  });
}

/** Runs at most `n` of the given tasks at once, in the order they were handed in. */
function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return (task) => {
    const start = running < n ? (running++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r));
    return start.then(task).finally(release);
  };
}
