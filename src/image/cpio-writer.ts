import { readFile } from 'node:fs/promises';
import { constants, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { ImageEntry } from './image-tree.js';

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
  const nameBytes = Buffer.from(name + '\0');
  const head = '070701' + [
    f.ino, f.mode, 0, 0, f.nlink, f.mtime, f.size,
    // devmajor/devminor name the device the file came from; a constant keeps output reproducible.
    0, 1,
    f.rdevMajor ?? 0, f.rdevMinor ?? 0, nameBytes.length, 0,
  ].map(hex8).join('');
  return Buffer.concat([Buffer.from(head, 'latin1'), nameBytes, Buffer.alloc(pad4(110 + nameBytes.length))]);
}

const TRAILER = newcHeader('TRAILER!!!', { ino: 0, mode: 0, nlink: 1, mtime: 0, size: 0 });

/** The size of the archive cpioBuffer() would pack for `entries`, without reading file contents. */
export async function archiveSize(entries: readonly ImageEntry[]): Promise<number> {
  let n = TRAILER.length;
  for (const e of entries) {
    const data = await entryDataSize(e);
    n += 110 + Buffer.byteLength(e.path) + 1 + pad4(110 + Buffer.byteLength(e.path) + 1) + data + (data > 0 ? pad4(data) : 0);
  }
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

/** The same archive as one buffer (a zstd segment is compressed, digested and cached whole). */
export async function cpioBuffer(entries: readonly ImageEntry[], opts: ArchiveOptions): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of records(entries, opts)) parts.push(b);
  return Buffer.concat(parts);
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
 * Cuts sorted entries into archives: at every change of segmentGroup(), and inside a group after
 * roughly `maxBytes` of data (counted from the group's start, so the cuts in lib/modules depend
 * on the modules alone).
 */
export async function segmentEntries(entries: readonly ImageEntry[], maxBytes: number): Promise<ImageEntry[][]> {
  const segments: ImageEntry[][] = [];
  let current: ImageEntry[] = [];
  let bytes = 0;
  let group: string | undefined;
  for (const e of entries) {
    const g = segmentGroup(e.path);
    if (current.length > 0 && g !== group) {
      segments.push(current);
      current = [];
      bytes = 0;
    }
    group = g;
    current.push(e);
    bytes += await entryDataSize(e);
    if (bytes >= maxBytes) {
      segments.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0 || segments.length === 0) segments.push(current);
  return segments;
}
