import { decompress as decompressInProcess } from '../decompress.js';
import { GkError } from '../errors.js';
import type { CompressorName } from './compressors.js';

/**
 * Reads an initramfs the way the kernel does: a run of cpio archives, each either plain or
 * compressed, separated by zero padding. cpio-stream's extractor stops at the first trailer and
 * does not say where it stopped, so the newc header walk is done here (it is 13 hex fields).
 * Every malformed input ends in a GkError, never in an exception from deeper down.
 */
export interface CpioEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  nlink: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
}

export interface ImagePart {
  compression: CompressorName;
  /** Byte offset of the part in the image file. */
  offset: number;
  compressedBytes: number;
  entries: CpioEntry[];
}

const MAGIC: Array<[CompressorName, number[]]> = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['lz4', [0x02, 0x21, 0x4c, 0x18]],
  ['lzo', [0x89, 0x4c, 0x5a, 0x4f]],
  ['lzma', [0x5d, 0x00, 0x00]],
];

export function detectCompression(buf: Buffer, at = 0): CompressorName | undefined {
  if (isCpioAt(buf, at)) return 'none';
  for (const [name, bytes] of MAGIC) if (bytes.every((b, i) => buf[at + i] === b)) return name;
  return undefined;
}

function isCpioAt(buf: Buffer, at: number): boolean {
  return buf.length - at >= 6 && (buf.toString('latin1', at, at + 6) === '070701' || buf.toString('latin1', at, at + 6) === '070702');
}

export async function readImage(buf: Buffer, what = 'image'): Promise<ImagePart[]> {
  const parts: ImagePart[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === 0) {
      pos++;
      continue;
    }
    const kind = detectCompression(buf, pos);
    if (kind === undefined) throw new GkError(`${what}: unknown data at offset ${pos} (not cpio, not a known compression)`, 'is this an initramfs? `file` may tell what it is');
    if (kind === 'none') {
      const { entries, end } = parseNewcRun(buf, pos, what);
      parts.push({ compression: 'none', offset: pos, compressedBytes: end - pos, entries });
      pos = end;
      continue;
    }
    // A compressed part runs to the end of the file (the kernel, too, hands the rest to the decompressor).
    const plain = await decompress(kind, buf.subarray(pos), what);
    const { entries } = parseNewcRun(plain, 0, `${what} (${kind} part)`, true);
    parts.push({ compression: kind, offset: pos, compressedBytes: buf.length - pos, entries });
    break;
  }
  return parts;
}

export async function decompress(kind: CompressorName, data: Buffer, what: string): Promise<Buffer> {
  try {
    switch (kind) {
      case 'zstd':
      case 'gzip':
      case 'xz':
      case 'lzma':
        return await decompressInProcess(kind, data);
      default: {
        const tool = kind === 'lz4' ? 'lz4' : kind === 'lzo' ? 'lzop' : 'bzip2';
        const { execa } = await import('execa'); // loaded on the rare path only (start-up cost)
        const res = await execa(tool, ['-d', '-c'], { input: data, encoding: 'buffer', reject: false });
        if (res.exitCode !== 0) throw new Error(String(res.stderr));
        return Buffer.from(res.stdout as Uint8Array);
      }
    }
  } catch (err) {
    throw new GkError(`${what}: the ${kind} data is corrupt or truncated (${(err as Error).message ?? err})`, 'rebuild the image');
  }
}

/**
 * Parses consecutive newc archives from `start`. Without `all`, stops after the first archive's
 * trailer and its padding (the next part may be compressed); with `all`, reads archives until the
 * end of the buffer (a decompressed stream may hold several, as our zstd segments do).
 */
export function parseNewcRun(buf: Buffer, start: number, what: string, all = false): { entries: CpioEntry[]; end: number } {
  const entries: CpioEntry[] = [];
  let pos = start;
  const bad = (why: string): never => {
    throw new GkError(`${what}: broken cpio at offset ${pos}: ${why}`, 'the image is damaged; rebuild it');
  };
  for (;;) {
    if (pos + 110 > buf.length) bad('header runs past the end');
    if (!isCpioAt(buf, pos)) bad('bad magic');
    const field = (i: number): number => {
      const s = buf.toString('latin1', pos + 6 + i * 8, pos + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(s)) bad(`field ${i} is not hex`);
      return Number.parseInt(s, 16);
    };
    const mode = field(1);
    const uid = field(2);
    const gid = field(3);
    const nlink = field(4);
    const mtime = field(5);
    const size = field(6);
    const rdevMajor = field(9);
    const rdevMinor = field(10);
    const nameSize = field(11);
    if (nameSize < 1 || nameSize > 4096) bad(`name size ${nameSize}`);
    const nameStart = pos + 110;
    if (nameStart + nameSize > buf.length) bad('name runs past the end');
    const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = align4(nameStart + nameSize);
    if (dataStart + size > buf.length) bad(`data of ${name} runs past the end`);
    pos = align4(dataStart + size);
    if (name === 'TRAILER!!!') {
      if (!all) {
        while (pos < buf.length && buf[pos] === 0) pos++;
        return { entries, end: pos };
      }
      while (pos < buf.length && buf[pos] === 0) pos++;
      if (pos >= buf.length) return { entries, end: pos };
      continue;
    }
    entries.push({ name, mode, uid, gid, mtime, nlink, rdevMajor, rdevMinor, data: buf.subarray(dataStart, dataStart + size) });
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
