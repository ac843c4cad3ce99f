import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import cpio from 'cpio-stream';
import { packSegment, sizedSegment } from './cpio-writer.js';
import type { ImageEntry } from './image-tree.js';

/**
 * Our newc encoder checked by an independent decoder: cpio-stream (the library it replaced on
 * the build path for start-up time) reads back what we wrote, entry by entry.
 */
interface Seen {
  name: string;
  mode: number;
  mtime: number;
  data: string;
  linkname?: string;
}

async function extractAll(archive: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = cpio.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const mtime = header.mtime instanceof Date ? Math.floor(header.mtime.getTime() / 1000) : Number(header.mtime);
      seen.push({ name: String(header.name), mode: Number(header.mode), mtime, data: Buffer.concat(chunks).toString(), linkname: header.linkname as string | undefined });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', () => resolve());
    extract.on('error', (e) => reject(e as Error));
    Readable.from([archive]).pipe(extract);
  });
  return seen;
}

describe('newc archives', () => {
  const entries: ImageEntry[] = [
    { kind: 'dir', path: 'etc', mode: 0o755 },
    { kind: 'file', path: 'etc/initrd.defaults', mode: 0o644, source: Buffer.from('GK_A=1\n') },
    { kind: 'file', path: 'etc/odd', mode: 0o600, source: Buffer.from('abc') },
    { kind: 'symlink', path: 'sbin', target: 'bin' },
    // ASCII names only: cpio-stream decodes names as ASCII (high bits dropped).
    { kind: 'file', path: 'lib/modules/6.1.0/kernel/fs/ext4/ext4.ko', mode: 0o644, source: Buffer.alloc(5000, 7) },
  ];

  it('reads back with an independent decoder: names, types, modes, mtime, data, link targets', async () => {
    const seen = await extractAll(packSegment(await sizedSegment(entries), { mtime: 1700000000 }));
    expect(seen.map((e) => e.name)).toEqual(['etc', 'etc/initrd.defaults', 'etc/odd', 'sbin', 'lib/modules/6.1.0/kernel/fs/ext4/ext4.ko']);
    expect(seen[0]!.mode).toBe(0o40755);
    expect(seen[1]!).toMatchObject({ mode: 0o100644, data: 'GK_A=1\n', mtime: 1700000000 });
    expect(seen[2]!).toMatchObject({ mode: 0o100600, data: 'abc' });
    expect(seen[3]!.mode & 0o170000).toBe(0o120000);
    expect(seen[3]!.linkname ?? seen[3]!.data).toBe('bin');
    expect(seen[4]!.data).toBe(Buffer.alloc(5000, 7).toString());
  });

  it('writes every byte of the buffer it packs into (a recycled buffer leaves nothing behind)', async () => {
    const odd: ImageEntry[] = [...entries, { kind: 'file', path: 'lib/a', mode: 0o644, source: Buffer.from('12345') }, { kind: 'symlink', path: 'lib/b', target: 'ab' }];
    const zeroed = packSegment(await sizedSegment(odd), { mtime: 1 }, (n) => Buffer.alloc(n));
    const dirty = packSegment(await sizedSegment(odd), { mtime: 1 }, (n) => Buffer.alloc(n, 0xaa));
    expect(dirty.equals(zeroed)).toBe(true);
  });

  it('is the same bytes for the same entries and mtime', async () => {
    const a = packSegment(await sizedSegment(entries), { mtime: 1 });
    const b = packSegment(await sizedSegment(entries), { mtime: 1 });
    expect(a.equals(b)).toBe(true);
    expect(a.equals(packSegment(await sizedSegment(entries), { mtime: 2 }))).toBe(false);
  });
});
