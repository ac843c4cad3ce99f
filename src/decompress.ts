import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { zstdBinding } from './image/zstd-binding.js';
import type lzmaNative from 'lzma-native';
import { createRequire } from 'node:module';
// Required on use: loading it at start-up costs every build, and only some need it (measured, issue 17).
const lzmaLib = () => createRequire(import.meta.url)('lzma-native') as typeof lzmaNative;

/**
 * The one place compressed data is read in-process: module files (.ko.zst/.xz/.gz), firmware and
 * microcode (.zst/.xz), and the parts of an initramfs. The libraries run on libuv's thread pool,
 * so several calls in flight use several cores without a process per file. Errors are the
 * libraries' own: each caller knows what the data was and turns them into its GkError.
 */
export type InProcessCompression = 'zstd' | 'xz' | 'lzma' | 'gzip';

const gunzipAsync = promisify(gunzip);

function lzmaDecompress(data: Buffer): Promise<Buffer> {
  // lzma-native's auto decoder reads .xz and legacy .lzma alike.
  return new Promise((resolve, reject) => {
    lzmaLib().decompress(data, (result, err) => (err || !result ? reject(err ?? new Error('no output')) : resolve(result)));
  });
}

export async function decompress(kind: InProcessCompression, data: Buffer): Promise<Buffer> {
  switch (kind) {
    case 'zstd':
      return zstdBinding().decompress(data);
    case 'xz':
    case 'lzma':
      return lzmaDecompress(data);
    case 'gzip':
      return gunzipAsync(data);
  }
}

