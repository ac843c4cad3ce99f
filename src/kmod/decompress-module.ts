import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { decompress as zstdDecompress } from '@mongodb-js/zstd';
import lzma from 'lzma-native';
import { GkError } from '../errors.js';
import type { ModuleCompression } from './compression.js';

const gunzipAsync = promisify(gunzip);
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

function xzDecompress(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    lzma.decompress(data, (result, err) => (err || !result ? reject(err ?? new Error('no output')) : resolve(result)));
  });
}

/**
 * A module file's ELF image, decompressed in-process (the libraries run on libuv's thread pool, so
 * several calls in flight use several cores without a process per file). Anything that does not
 * come out as ELF is a damaged module: named, with the way out.
 */
export async function decompressModule(data: Buffer, compression: ModuleCompression, file: string): Promise<Buffer> {
  let out: Buffer;
  try {
    if (compression === 'none') out = data;
    else if (compression === 'zstd') out = await zstdDecompress(data);
    else if (compression === 'xz') out = await xzDecompress(data);
    else out = await gunzipAsync(data);
  } catch (err) {
    throw damaged(file, `${compression} data is truncated or corrupt (${err instanceof Error ? err.message : String(err)})`);
  }
  if (out.length < 64 || !out.subarray(0, 4).equals(ELF_MAGIC)) {
    throw damaged(file, compression === 'none' ? 'is not an ELF module' : `does not decompress to an ELF module (${compression} data truncated or corrupt)`);
  }
  return out;
}

function damaged(file: string, problem: string): GkError {
  return new GkError(`kernel module ${file}: ${problem}`, 'reinstall the kernel modules (`make modules_install`, or reinstall the kernel package)');
}
