/**
 * What an image holds, read the way the kernel reads it (src/image/read-image.ts walks any run of
 * plain and compressed cpio archives: dracut's early microcode part, our zstd segments), and
 * an extractor that lays the main contents out as a directory for the cpio | zstd floor.
 */
import { readFile, mkdir, writeFile, symlink, chmod, utimes } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { readImage, type CpioEntry, type ImagePart } from '../src/image/read-image.js';

export interface ImageFacts {
  compressedBytes: number;
  /** newc bytes of every part once decompressed (headers, names, data, padding; trailers left out). */
  uncompressedBytes: number;
  modules: number;
  entries: number;
  /** Compression of the last (main) part. */
  compression: string;
}

const MODULE_FILE = /\.ko(\.(zst|xz|gz))?$/;
const TYPE_MASK = 0o170000;

function newcRecordBytes(e: CpioEntry): number {
  const pad4 = (n: number) => (n + 3) & ~3;
  return pad4(110 + Buffer.byteLength(e.name) + 1) + pad4(e.data.length);
}

export async function readParts(path: string): Promise<ImagePart[]> {
  return readImage(await readFile(path), path);
}

export async function imageFacts(path: string): Promise<ImageFacts> {
  const data = await readFile(path);
  const parts = await readImage(data, path);
  let uncompressed = 0;
  let modules = 0;
  let entries = 0;
  for (const p of parts) {
    for (const e of p.entries) {
      uncompressed += newcRecordBytes(e);
      entries++;
      if ((e.mode & TYPE_MASK) === 0o100000 && MODULE_FILE.test(e.name)) modules++;
    }
  }
  return {
    compressedBytes: data.length,
    uncompressedBytes: uncompressed,
    modules,
    entries,
    compression: parts[parts.length - 1]?.compression ?? 'none',
  };
}

/**
 * Writes every entry of the image under dest with its mode, symlinks as symlinks and device
 * nodes through mknod (we run as root), mtimes as stored. Later parts win, as in the kernel.
 */
export async function extractImage(path: string, dest: string): Promise<number> {
  const parts = await readParts(path);
  const dirs: CpioEntry[] = [];
  let n = 0;
  await mkdir(dest, { recursive: true });
  for (const p of parts) {
    for (const e of p.entries) {
      if (e.name === '.' || e.name === '') continue;
      const target = join(dest, e.name);
      await mkdir(dirname(target), { recursive: true });
      const perm = e.mode & 0o7777;
      switch (e.mode & TYPE_MASK) {
        case 0o040000:
          await mkdir(target, { recursive: true });
          dirs.push(e);
          break;
        case 0o100000:
          await writeFile(target, e.data);
          await chmod(target, perm);
          await utimes(target, e.mtime, e.mtime);
          break;
        case 0o120000:
          await symlink(e.data.toString(), target);
          break;
        case 0o020000:
        case 0o060000: {
          const kind = (e.mode & TYPE_MASK) === 0o020000 ? 'c' : 'b';
          execFileSync('mknod', ['-m', perm.toString(8), target, kind, String(e.rdevMajor), String(e.rdevMinor)]);
          break;
        }
        case 0o010000:
          execFileSync('mkfifo', ['-m', perm.toString(8), target]);
          break;
        default:
          continue;
      }
      n++;
    }
  }
  // Directory modes and times last: writing into a directory changes its mtime.
  for (const d of dirs) {
    const target = join(dest, d.name);
    await chmod(target, d.mode & 0o7777);
    await utimes(target, d.mtime, d.mtime);
  }
  return n;
}
