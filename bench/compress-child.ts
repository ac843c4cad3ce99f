/**
 * One compression of an uncompressed initramfs stream, in a process of its own so that its
 * peak RSS is measurable: `node dist/bench/compress-child.js RAW OUT CODEC LEVEL [SEGMENT_MIB]`.
 * Prints {"ms":…, "bytes":…}. The libraries are the ones the image writer uses (zstd through
 * @mongodb-js/zstd's native binding, xz through lzma-native with the kernel's CRC32 check, gzip
 * through node:zlib), so the table says what a level would cost inside tsgenkernel.
 *
 * zstd goes through the binding directly: @mongodb-js/zstd 1.2.2's JS wrapper drops the level
 * argument (its compress(data) never passes it on), so compress(buf, 19) is level 3.
 */
import { createReadStream, createWriteStream, openSync, readSync, closeSync, fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import lzma from 'lzma-native';

const binding = createRequire(import.meta.url)('@mongodb-js/zstd/bindings') as { compress(data: Buffer, level: number): Promise<Buffer> };

/** Segments of segMiB compressed two at a time, written in order: the writer's scheme. */
async function zstdSegments(raw: string, out: string, level: number, segMiB: number): Promise<void> {
  const fd = openSync(raw, 'r');
  const outFd = openSync(out, 'w');
  const size = fstatSync(fd).size;
  const seg = segMiB * 1048576;
  let pending: Promise<Buffer> | undefined;
  for (let pos = 0; pos < size; pos += seg) {
    const buf = Buffer.allocUnsafe(Math.min(seg, size - pos));
    readSync(fd, buf, 0, buf.length, pos);
    const next = binding.compress(buf, level);
    if (pending) writeSync(outFd, await pending);
    pending = next;
  }
  if (pending) writeSync(outFd, await pending);
  closeSync(fd);
  closeSync(outFd);
}

async function main(): Promise<void> {
  const [raw, out, codec, levelText, segText] = process.argv.slice(2);
  const level = Number(levelText);
  const started = performance.now();
  if (codec === 'zstd') await zstdSegments(raw!, out!, level, Number(segText ?? 32));
  else if (codec === 'xz') await pipeline(createReadStream(raw!), lzma.createCompressor({ preset: level, check: lzma.CHECK_CRC32 }), createWriteStream(out!));
  else if (codec === 'gzip') await pipeline(createReadStream(raw!), createGzip({ level }), createWriteStream(out!));
  else throw new Error(`unknown codec ${codec}`);
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, bytes: fstatSync(openSync(out!, 'r')).size }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
