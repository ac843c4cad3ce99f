import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import cpio from 'cpio-stream';
import type { ImageEntry } from './image-tree.js';

/**
 * newc archives through cpio-stream's packer. Two things it does not do for us, done here:
 * deterministic metadata (owner 0:0, one mtime for every entry, inode numbers from our own
 * counter so archives written in segments never repeat one), and cpio-stream's own default of
 * "now" for a zero mtime, avoided by always passing a Date.
 */
export interface ArchiveOptions {
  /** Seconds since the epoch for every entry (SOURCE_DATE_EPOCH, or the build time). */
  mtime: number;
  /** First inode number; segments continue where the previous one stopped. */
  firstIno?: number;
}

interface Header {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  ino: number;
  nlink: number;
  size?: number;
  linkname?: string;
  rdevmajor?: number;
  rdevminor?: number;
  devmajor: number;
  devminor: number;
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
  if (entry.kind === 'file') return typeof entry.source === 'string' ? (await stat(entry.source)).size : entry.source.length;
  if (entry.kind === 'symlink') return Buffer.byteLength(entry.target);
  return 0;
}

/**
 * One complete archive (ending in TRAILER!!!) for `entries`, which must already be in archive
 * order. File contents stream from disk one at a time, so memory does not grow with the image.
 */
export function cpioArchive(entries: readonly ImageEntry[], opts: ArchiveOptions): Readable {
  const pack = cpio.pack({ format: 'newc' });
  const mtime = new Date(opts.mtime * 1000);
  let ino = opts.firstIno ?? 1;

  const add = async (entry: ImageEntry): Promise<void> => {
    const header: Header = {
      name: entry.path,
      mode: TYPE_BITS[entry.kind] | (entry.kind === 'symlink' ? 0o777 : entry.mode & 0o7777),
      uid: 0,
      gid: 0,
      mtime,
      ino: ino++,
      nlink: entry.kind === 'dir' ? 2 : 1,
      // newc's dev fields name the device the file came from; a constant keeps output reproducible.
      devmajor: 0,
      devminor: 1,
    };
    if (entry.kind === 'chardev' || entry.kind === 'blockdev') {
      header.rdevmajor = entry.major;
      header.rdevminor = entry.minor;
    }
    if (entry.kind === 'symlink') {
      header.linkname = entry.target;
      await packEntry(pack, header);
      return;
    }
    if (entry.kind !== 'file') {
      await packEntry(pack, header);
      return;
    }
    if (typeof entry.source !== 'string') {
      await packEntry(pack, header, entry.source);
      return;
    }
    const size = (await stat(entry.source)).size;
    header.size = size;
    await new Promise<void>((resolve, reject) => {
      const sink: Writable = pack.entry(header, (err?: Error) => (err ? reject(err) : resolve()));
      const src = createReadStream(entry.source as string);
      src.on('error', reject);
      src.pipe(sink);
    });
  };

  void (async () => {
    try {
      for (const e of entries) await add(e);
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return pack as Readable;
}

function packEntry(pack: ReturnType<typeof cpio.pack>, header: Header, data?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error) => (err ? reject(err) : resolve());
    if (data) pack.entry(header, data, cb);
    else if (header.linkname !== undefined) pack.entry(header, cb);
    else pack.entry(header, cb);
  });
}

/** Cuts sorted entries into runs of roughly `maxBytes` of data, each to become its own archive. */
export async function segmentEntries(entries: readonly ImageEntry[], maxBytes: number): Promise<ImageEntry[][]> {
  const segments: ImageEntry[][] = [];
  let current: ImageEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
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
