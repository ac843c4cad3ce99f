import { createGzip } from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type lzmaNative from 'lzma-native';
import { createRequire } from 'node:module';
import { GkError } from '../errors.js';
import { zstdBinding } from './zstd-binding.js';
import { haveCommand } from '../exec.js';
import type { KernelConfig } from '../kernel/kconfig.js';
// Required on use: loading it at start-up costs every build, and only some need it (measured, issue 17).
const lzmaLib = () => createRequire(import.meta.url)('lzma-native') as typeof lzmaNative;

/**
 * The initramfs compressors the kernel can unpack. zstd, xz, lzma and gzip run in-process
 * (@mongodb-js/zstd, lzma-native, node:zlib); bzip2, lz4 and lzo have no maintained Node binding
 * that installs offline here, so their host tool is piped — one process for the whole image.
 */
export type CompressorName = 'none' | 'zstd' | 'xz' | 'lzma' | 'gzip' | 'bzip2' | 'lz4' | 'lzo';

interface CompressorFacts {
  /** CONFIG_RD_<X> the kernel needs to unpack it. */
  rdSymbol?: string;
  /** Host program for the ones we pipe. */
  tool?: string;
  defaultLevel: number;
  maxLevel: number;
}

export const COMPRESSORS: Record<CompressorName, CompressorFacts> = {
  none: { defaultLevel: 0, maxLevel: 0 },
  // Level 9 of 19: see the Performance section of the README for the speed/size table.
  zstd: { rdSymbol: 'RD_ZSTD', defaultLevel: 9, maxLevel: 19 },
  xz: { rdSymbol: 'RD_XZ', defaultLevel: 6, maxLevel: 9 },
  lzma: { rdSymbol: 'RD_LZMA', defaultLevel: 6, maxLevel: 9 },
  gzip: { rdSymbol: 'RD_GZIP', defaultLevel: 9, maxLevel: 9 },
  bzip2: { rdSymbol: 'RD_BZIP2', tool: 'bzip2', defaultLevel: 9, maxLevel: 9 },
  lz4: { rdSymbol: 'RD_LZ4', tool: 'lz4', defaultLevel: 9, maxLevel: 12 },
  lzo: { rdSymbol: 'RD_LZO', tool: 'lzop', defaultLevel: 9, maxLevel: 9 },
};

/** genkernel's meta-types: the first of the list the kernel can unpack wins. */
const PREFERENCE: Record<'best' | 'fastest', CompressorName[]> = {
  best: ['xz', 'lzma', 'zstd', 'bzip2', 'gzip', 'lzo', 'lz4'],
  fastest: ['lz4', 'lzo', 'zstd', 'gzip', 'bzip2', 'xz', 'lzma'],
};

export interface CompressorChoice {
  name: CompressorName;
  level: number;
}

/**
 * Picks the compressor from COMPRESS_INITRD / COMPRESS_INITRD_TYPE / COMPRESS_LEVEL, honouring
 * what the kernel config can unpack. Without a kernel config every type is assumed unpackable.
 */
export function chooseCompressor(
  s: { COMPRESS_INITRD: boolean; COMPRESS_INITRD_TYPE: string; COMPRESS_LEVEL: number },
  config: KernelConfig | undefined,
  hostHas: (tool: string) => boolean,
): CompressorChoice {
  if (!s.COMPRESS_INITRD) return { name: 'none', level: 0 };
  const kernelCan = (c: CompressorName) => !config || !COMPRESSORS[c].rdSymbol || config.builtin(COMPRESSORS[c].rdSymbol!);
  const usable = (c: CompressorName) => kernelCan(c) && (!COMPRESSORS[c].tool || hostHas(COMPRESSORS[c].tool!));
  const type = s.COMPRESS_INITRD_TYPE;
  let name: CompressorName;
  if (type === 'best' || type === 'fastest') {
    const found = PREFERENCE[type].find(usable);
    if (!found) {
      throw new GkError(`no compressor for '${type}' that this kernel can unpack`, 'enable one of CONFIG_RD_ZSTD, CONFIG_RD_XZ, CONFIG_RD_GZIP, or pass --no-compress-initramfs');
    }
    name = found;
  } else {
    if (!(type in COMPRESSORS)) throw new GkError(`unknown compression type '${type}'`, 'use best, fastest, zstd, xz, lzma, gzip, bzip2, lz4 or lzo');
    name = type as CompressorName;
    if (!kernelCan(name)) {
      throw new GkError(
        `the kernel cannot unpack a ${name} initramfs: CONFIG_${COMPRESSORS[name].rdSymbol} is not set`,
        `pick a type the kernel supports (e.g. --compress-initramfs-type=best) or enable CONFIG_${COMPRESSORS[name].rdSymbol}`,
      );
    }
    const tool = COMPRESSORS[name].tool;
    if (tool && !hostHas(tool)) throw new GkError(`${name} needs the ${tool} program, which is not installed`, `install ${tool}, or pick another --compress-initramfs-type`);
  }
  const facts = COMPRESSORS[name];
  const level = s.COMPRESS_LEVEL > 0 ? Math.min(s.COMPRESS_LEVEL, facts.maxLevel) : facts.defaultLevel;
  return { name, level };
}

/** Which of the piped compressors' programs this host has, for chooseCompressor's `hostHas`. */
export async function hostCompressorTools(): Promise<(tool: string) => boolean> {
  const found = new Map<string, boolean>();
  for (const c of Object.values(COMPRESSORS)) if (c.tool) found.set(c.tool, await haveCommand(c.tool));
  return (tool) => found.get(tool) ?? false;
}

/** Streams one archive through a streaming compressor into `out` (which stays open). */
export async function compressStream(choice: CompressorChoice, input: Readable, out: Writable): Promise<void> {
  switch (choice.name) {
    case 'none':
      return pipeline(input, out, { end: false });
    case 'gzip':
      return pipeline(input, createGzip({ level: choice.level }), out, { end: false });
    case 'xz':
      // The kernel's XZ decoder verifies CRC32 only: CRC64 (xz's default) would be rejected.
      return pipeline(input, lzmaLib().createCompressor({ preset: choice.level, check: lzmaLib().CHECK_CRC32 }), out, { end: false });
    case 'lzma':
      return pipeline(input, lzmaLib().createStream('aloneEncoder', { preset: choice.level }), out, { end: false });
    case 'bzip2':
    case 'lz4':
    case 'lzo': {
      const tool = COMPRESSORS[choice.name].tool!;
      // lz4: the kernel reads only the legacy frame format (-l).
      const args = choice.name === 'lz4' ? ['-l', `-${choice.level}`, '-c'] : [`-${choice.level}`, '-c'];
      // Loaded here, on the rare path: execa's module graph costs a fifth of a second at start-up.
      const { execa } = await import('execa');
      const child = execa(tool, args, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false } });
      const feed = pipeline(input, child.stdin!);
      const drain = pipeline(child.stdout!, out, { end: false });
      await Promise.all([feed, drain, child]);
      return;
    }
    case 'zstd':
      throw new Error('internal: zstd is compressed per segment, see writeArchive');
  }
}

/** zstd through @mongodb-js/zstd's native binding, which takes whole buffers: one frame per segment. */
export function zstdFrame(data: Buffer, level: number): Promise<Buffer> {
  return zstdBinding().compress(data, level);
}
