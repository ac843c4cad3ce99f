import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type { Header } from 'tar-stream';
import { GkError } from '../errors.js';
import { decompress, detectCompression } from '../image/read-image.js';

export interface ReadMember {
  header: Header;
  /** The member's bytes (files only). */
  data: Buffer;
}

/** A tar header block says "ustar" at offset 257 (POSIX and GNU alike). */
function isTarAt(buf: Buffer): boolean {
  return buf.length >= 512 && buf.toString('latin1', 257, 262) === 'ustar';
}

/**
 * Every member of a tar archive, plain or compressed (told by its magic bytes, not its name).
 * Archives here are a kernel, an initramfs and a module tree: read whole, which keeps one
 * decompressor for images and archives. Not a tar, or damaged: one GkError naming the file.
 */
export async function readTarArchive(path: string): Promise<ReadMember[]> {
  const raw = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new GkError(`cannot read archive ${path}: ${err.code ?? err.message}`, 'check the path');
  });
  const notTar = () => new GkError(`${path} is not a tar archive (or it is damaged)`, 'give a .tar, .tar.gz, .tar.xz, .tar.zst or .tar.bz2 written by tsgenkernel or genkernel');
  let plain: Buffer = raw;
  if (!isTarAt(raw)) {
    const kind = detectCompression(raw);
    if (kind === undefined || kind === 'none') throw notTar();
    plain = await decompress(kind, raw, path).catch(() => {
      throw notTar();
    });
    if (!isTarAt(plain)) throw notTar();
  }
  const members: ReadMember[] = [];
  try {
    const ex = (createRequire(import.meta.url)('tar-stream') as typeof import('tar-stream')).extract();
    Readable.from([plain]).pipe(ex as unknown as NodeJS.WritableStream);
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      members.push({ header: entry.header, data: Buffer.concat(chunks) });
    }
  } catch {
    throw notTar();
  }
  return members;
}
