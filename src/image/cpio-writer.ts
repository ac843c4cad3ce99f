import { readFile } from 'node:fs/promises';
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ImageEntry } from './image-tree.js';
import { GkError } from '../errors.js';

/**
 * newc ("070701") archives, encoded here: the format is a 110-byte hex header, the name and the
 * data, each padded to four bytes. (cpio-stream did this before; its module graph cost start-up
 * time, it measured names in UTF-16 units instead of bytes, and its headers went through a
 * deprecated Buffer constructor.) Metadata is deterministic: owner 0:0, one mtime for every
 * entry, and an inode number derived from the path, so a segment's bytes depend on its own
 * entries only and an unchanged segment can be reused from the segment cache.
 */
export interface ArchiveOptions {
  /** Seconds since the epoch for every entry (SOURCE_DATE_EPOCH, or the build time). */
  mtime: number;
}

const TYPE_BITS: Record<ImageEntry['kind'], number> = {
  file: constants.S_IFREG,
  dir: constants.S_IFDIR,
  symlink: constants.S_IFLNK,
  chardev: constants.S_IFCHR,
  blockdev: constants.S_IFBLK,
};

/** Size of an entry's data in the archive, so segments can be cut before packing. */
export async function entryDataSize(entry: ImageEntry): Promise<number> {
  // statSync: hundreds of calls of microseconds each; the libuv pool's round trip cost more.
  if (entry.kind === 'file') return typeof entry.source === 'string' ? statSync(entry.source).size : entry.source.length;
  if (entry.kind === 'symlink') return Buffer.byteLength(entry.target);
  return 0;
}

/**
 * The inode number: FNV-1a of the path, never 0. Only regular files with nlink >= 2 are matched
 * by inode when an archive is unpacked (the kernel, GNU cpio and libarchive alike); every entry
 * here has nlink 1 (2 for directories), so numbers need not be unique — only stable.
 */
export function inodeOf(path: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(path)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return (h & 0x7fffffff) || 1;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const pad4 = (n: number) => (4 - (n % 4)) % 4;

interface HeaderFields {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  size: number;
  rdevMajor?: number;
  rdevMinor?: number;
}

/** Header plus NUL-terminated name, padded so the data starts on a four-byte boundary. */
export function newcHeader(name: string, f: HeaderFields): Buffer {
  const out = Buffer.alloc(headerSize(name));
  writeHeader(out, 0, name, f);
  return out;
}

/** Bytes of a header with its name and padding. */
function headerSize(name: string): number {
  const n = 110 + Buffer.byteLength(name) + 1;
  return n + pad4(n);
}

/** Writes a header at `at` in `out` (zeroing its padding); returns where the data starts. */
function writeHeader(out: Buffer, at: number, name: string, f: HeaderFields): number {
  const nameLength = Buffer.byteLength(name) + 1;
  const head = '070701' + [
    f.ino, f.mode, 0, 0, f.nlink, f.mtime, f.size,
    // devmajor/devminor name the device the file came from; a constant keeps output reproducible.
    0, 1,
    f.rdevMajor ?? 0, f.rdevMinor ?? 0, nameLength, 0,
  ].map(hex8).join('');
  out.write(head, at, 'latin1');
  out.write(name, at + 110);
  const end = at + headerSize(name);
  out.fill(0, at + 110 + nameLength - 1, end);
  return end;
}

const TRAILER = newcHeader('TRAILER!!!', { ino: 0, mode: 0, nlink: 1, mtime: 0, size: 0 });

/**
 * The entries of one archive with the data bytes of each, taken once when the tree is cut: the
 * archive's size and every header come from these, and each file is read for exactly that many.
 */
export interface Segment {
  entries: ImageEntry[];
  sizes: number[];
}

/** `entries` as one segment (their sizes taken now). */
export async function sizedSegment(entries: readonly ImageEntry[]): Promise<Segment> {
  const sizes: number[] = [];
  for (const e of entries) sizes.push(await entryDataSize(e));
  return { entries: [...entries], sizes };
}

/** The size of the archive packSegment() packs for `seg`, without reading file contents. */
export function archiveSize(seg: Segment): number {
  let n = TRAILER.length;
  seg.entries.forEach((e, i) => (n += recordSize(e.path, seg.sizes[i]!)));
  return n;
}

/** The buffers of one entry: header, data, padding. Files are read whole, one at a time. */
async function entryRecord(entry: ImageEntry, mtime: number): Promise<Buffer[]> {
  const base = { ino: inodeOf(entry.path), mtime, nlink: entry.kind === 'dir' ? 2 : 1 };
  const mode = TYPE_BITS[entry.kind] | (entry.kind === 'symlink' ? 0o777 : entry.mode & 0o7777);
  let data: Buffer | undefined;
  if (entry.kind === 'file') data = typeof entry.source === 'string' ? await readFile(entry.source) : entry.source;
  else if (entry.kind === 'symlink') data = Buffer.from(entry.target);
  const dev = entry.kind === 'chardev' || entry.kind === 'blockdev' ? { rdevMajor: entry.major, rdevMinor: entry.minor } : {};
  const header = newcHeader(entry.path, { ...base, ...dev, mode, size: data?.length ?? 0 });
  return data ? [header, data, Buffer.alloc(pad4(data.length))] : [header];
}

async function* records(entries: readonly ImageEntry[], opts: ArchiveOptions): AsyncGenerator<Buffer> {
  for (const e of entries) yield* await entryRecord(e, opts.mtime);
  yield TRAILER;
}

/**
 * One complete archive (ending in TRAILER!!!) for `entries`, which must already be in archive
 * order, as a stream. File contents are read one at a time, so memory does not grow with the image.
 */
export function cpioArchive(entries: readonly ImageEntry[], opts: ArchiveOptions): Readable {
  return Readable.from(records(entries, opts), { objectMode: false });
}

/**
 * The segment's archive as one buffer (a zstd segment is compressed, digested and cached whole),
 * packed in place: its size is known from the headers and the files' sizes, so it is allocated
 * once and every file is read straight into it. Collecting a buffer per file and concatenating
 * copied each segment twice; on these VMs, where a fresh page costs microseconds, that copy and
 * the garbage collections the per-file buffers caused were a third of the generic image's main
 * thread (measured with --cpu-prof).
 */
export function packSegment(seg: Segment, opts: ArchiveOptions, allocate: (bytes: number) => Buffer = (n) => Buffer.allocUnsafe(n)): Buffer {
  const total = archiveSize(seg);
  const out = allocate(total);
  if (out.length !== total) throw new Error(`internal: a ${out.length}-byte buffer for a ${total}-byte archive`);
  let at = 0;
  seg.entries.forEach((e, i) => (at = packRecord(out, at, e, seg.sizes[i]!, opts.mtime)));
  at += TRAILER.copy(out, at);
  if (at !== total) throw new Error(`internal: packed ${at} bytes of a ${total}-byte archive`);
  return out;
}

/** Bytes of one entry's record: header, name, padding, data, padding. */
function recordSize(path: string, data: number): number {
  return headerSize(path) + data + pad4(data);
}

/** Writes one entry's record into `out` at `at`; returns where the next one starts. */
function packRecord(out: Buffer, at: number, entry: ImageEntry, size: number, mtime: number): number {
  const mode = TYPE_BITS[entry.kind] | (entry.kind === 'symlink' ? 0o777 : entry.mode & 0o7777);
  const dev = entry.kind === 'chardev' || entry.kind === 'blockdev' ? { rdevMajor: entry.major, rdevMinor: entry.minor } : {};
  at = writeHeader(out, at, entry.path, { ino: inodeOf(entry.path), mtime, nlink: entry.kind === 'dir' ? 2 : 1, ...dev, mode, size });
  if (entry.kind === 'file') {
    const source = entry.source;
    if (typeof source === 'string') readInto(source, out, at, size);
    else source.copy(out, at);
  } else if (entry.kind === 'symlink') out.write(entry.target, at);
  at += size;
  const pad = pad4(size);
  out.fill(0, at, at + pad);
  return at + pad;
}

/** Reads exactly `size` bytes of `file` into `out` at `at` (sizes were taken when the segments were cut). */
function readInto(file: string, out: Buffer, at: number, size: number): void {
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const n = readSync(fd, out, at + done, size - done, done);
      if (n === 0) throw new GkError(`${file} shrank while the image was being packed (${done} of ${size} bytes)`, 'run the build again once whatever writes that file (a package manager, a kernel install) has finished');
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The part of the tree a path belongs to, for segment cuts: its first component, or its first two
 * under lib and usr (lib/modules, lib/firmware, usr/bin ...). A segment never spans two parts, so
 * a change in one part (a conf value in etc/, another busybox) leaves the bytes — and the cached
 * frames — of every other part as they were.
 */
export function segmentGroup(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'lib' || parts[0] === 'usr' ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Below this much data a part of the tree shares its archive with its small neighbours. Every
 * zstd segment costs a level-9 context of its own (the binding streams, so the tables are sized
 * for the level, not the input): 5-30 ms each. The minimal image had 16 parts, 11 of them empty
 * directories or a few hundred bytes of links; one segment each was half of its assemble time.
 */
const POOL_BELOW = 1024 * 1024;

/**
 * Cuts sorted entries into archives. A part of the tree (segmentGroup()) with at least
 * `poolBelow` bytes of data gets archives of its own, cut after roughly `maxBytes` counted from the
 * part's start (so the cuts in lib/modules depend on the modules alone); consecutive smaller parts
 * share one. A change in a large part leaves every other archive's bytes, and cached frames, as
 * they were; a change in a small one recompresses the small ones around it, which is cheap.
 */
export async function segmentEntries(entries: readonly ImageEntry[], maxBytes: number, poolBelow = Math.min(POOL_BELOW, maxBytes / 8)): Promise<Segment[]> {
  const parts: Array<Segment & { bytes: number }> = [];
  let group: string | undefined;
  for (const e of entries) {
    const g = segmentGroup(e.path);
    if (parts.length === 0 || g !== group) parts.push({ entries: [], sizes: [], bytes: 0 });
    group = g;
    const part = parts[parts.length - 1]!;
    const size = await entryDataSize(e);
    part.entries.push(e);
    part.sizes.push(size);
    part.bytes += size;
  }
  const segments: Segment[] = [];
  let current: Segment = { entries: [], sizes: [] };
  let bytes = 0;
  const cut = () => {
    if (current.entries.length > 0) segments.push(current);
    current = { entries: [], sizes: [] };
    bytes = 0;
  };
  for (const part of parts) {
    const alone = part.bytes >= poolBelow;
    if (alone) cut();
    part.entries.forEach((e, i) => {
      current.entries.push(e);
      current.sizes.push(part.sizes[i]!);
      bytes += part.sizes[i]!;
      if (bytes >= maxBytes) cut();
    });
    if (alone) cut();
  }
  cut();
  if (segments.length === 0) segments.push(current);
  return segments;
}
