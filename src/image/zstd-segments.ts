import { availableParallelism } from 'node:os';
import { archiveSize, packSegment, segmentEntries, type Segment } from './cpio-writer.js';
import { SegmentStore, type CacheStats, type SegmentCache } from './segment-cache.js';
import { zstdFrame } from './compressors.js';
import type { ImageEntry } from './image-tree.js';

/**
 * The main archive as zstd segments: each a complete newc archive in a frame of its own, so that
 * two compress at once, memory stays bounded and unchanged segments come from the segment cache;
 * the kernel unpacks concatenated archives.
 *
 * Starting the module segments ahead, while the tools and features are installed (matched to the
 * archive's segments by entry, or by the digest of their bytes while depmod ran), was tried and
 * measured: on two cores it gained nothing, as those stages keep both cores busy themselves, and the
 * digest variant packed those segments twice. The archive compresses its segments in order.
 */
export interface ZstdSegmentOptions {
  level: number;
  /** Seconds since the epoch given to every entry. */
  mtime: number;
  segmentBytes?: number;
  segmentCache?: SegmentCache;
}

export interface SegmentsWritten {
  segments: number;
  cache?: CacheStats;
}

/** One segment on its way: its frame, its uncompressed size, whether the cache gave it. */
interface Prepared {
  frame: Promise<Buffer>;
  rawBytes: number;
  hit: boolean;
}

// 8 MiB: two segments in flight at level 9 keep an --all-ramdisk-modules build (4023 modules) at
// 167 MB of RSS (16 MiB: 221 MB), for +0.5% image size. Measured; see README "Performance".
const DEFAULT_SEGMENT = 8 * 1024 * 1024;
/** Above this many segments (128 MiB unpacked at the default size) memory, not an idle core, is what to save. */
const LARGE_IMAGE_SEGMENTS = 16;

export class ZstdSegments {
  private readonly level: number;
  private readonly mtime: number;
  private readonly segmentBytes: number;
  private readonly store?: SegmentStore;
  // One compression per core: each zstd context at level 9 holds tens of MB, so no more than the
  // cores can run. Frames are written in order.
  private readonly cores = Math.max(2, Math.min(availableParallelism(), 4));
  private readonly compress = limiter(this.cores);
  private readonly buffers: SegmentBuffers;

  constructor(opts: ZstdSegmentOptions) {
    this.level = opts.level;
    this.mtime = opts.mtime;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT;
    this.store = opts.segmentCache ? new SegmentStore(opts.segmentCache, 'zstd', opts.level) : undefined;
    this.buffers = new SegmentBuffers(this.segmentBytes, this.cores);
  }

  /** Cuts `entries` into segments and writes their frames, in order, through `write`. */
  async write(entries: readonly ImageEntry[], write: (b: Buffer) => Promise<void>, count: (n: number) => void): Promise<SegmentsWritten> {
    const segments = await segmentEntries(entries, this.segmentBytes);
    // One segment packed ahead of the compressions, waiting for a free core: with only as many
    // in flight as cores, one core idled whenever the main thread read, packed and digested the next
    // (3-5% of a generic build). Not for large images: with all 4023 modules its buffer took the
    // peak RSS past 200 MB (measured 186-216 MB with it, 175-181 MB without, same wall time).
    const inFlight = this.cores + (segments.length > LARGE_IMAGE_SEGMENTS ? 0 : 1);
    const queue: Array<Promise<Buffer>> = [];
    for (const seg of segments) {
      const p = this.prepare(seg);
      count(p.rawBytes);
      this.store?.count(p.hit);
      queue.push(p.frame);
      while (queue.length >= inFlight) await write(await queue.shift()!);
    }
    while (queue.length > 0) await write(await queue.shift()!);
    this.store?.prune();
    return { segments: segments.length, cache: this.store?.stats };
  }

  /** Looks the segment up in the cache (by identity, then by content) or starts its compression. */
  private prepare(seg: Segment): Prepared {
    const store = this.store;
    // The identity key first: a hit needs neither the files' bytes nor a digest of them.
    const identity = store?.identityKey(seg.entries, this.mtime);
    const byIdentity = identity ? store!.frameByIdentity(identity) : undefined;
    if (byIdentity) return { frame: Promise.resolve(byIdentity), rawBytes: archiveSize(seg), hit: true };
    const raw = packSegment(seg, { mtime: this.mtime }, (n) => this.buffers.take(n));
    const rawBytes = raw.length;
    const key = store?.key(raw);
    const cached = key ? store!.frame(key) : undefined;
    if (cached) {
      if (identity) store!.link(identity, key!);
      this.buffers.give(raw);
      return { frame: Promise.resolve(cached), rawBytes, hit: true };
    }
    const frame = this.compressed(raw, key);
    if (identity && key) void frame.then(() => store!.link(identity, key), () => undefined);
    return { frame, rawBytes, hit: false };
  }

  /** Compresses `raw` on a free core, stores the frame in the cache and recycles the buffer. */
  private compressed(raw: Buffer, key: string | undefined): Promise<Buffer> {
    const frame = this.compress(() => zstdFrame(raw, this.level)).then((f) => {
      this.buffers.give(raw);
      if (key) this.store?.put(key, f);
      return f;
    });
    frame.catch(() => undefined); // awaited in order by write(); a later frame failing first must not go unhandled
    return frame;
  }
}

/**
 * Raw segment buffers, recycled once compressed. A fresh 8 MiB buffer cost about 30 ms of page
 * faults on these VMs and a reused one 3 ms (measured reading a file into each), and the freed
 * ones kept the garbage collector busy. Small segments (pooled conf and links) are not kept.
 */
class SegmentBuffers {
  private readonly free: Buffer[] = [];
  private readonly whole = new WeakMap<Buffer, Buffer>();

  constructor(
    private readonly segmentBytes: number,
    private readonly keep: number,
  ) {}

  take(bytes: number): Buffer {
    if (bytes < this.segmentBytes / 8) return Buffer.allocUnsafe(bytes);
    const i = this.free.findIndex((b) => b.length >= bytes);
    // A segment ends after the file that crosses segmentBytes: room for a module or two more.
    const buf = i >= 0 ? this.free.splice(i, 1)[0]! : Buffer.allocUnsafe(Math.max(bytes, this.segmentBytes + this.segmentBytes / 4));
    const view = buf.subarray(0, bytes);
    this.whole.set(view, buf);
    return view;
  }

  give(view: Buffer): void {
    const buf = this.whole.get(view);
    if (buf && this.free.length < this.keep) this.free.push(buf);
  }
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
