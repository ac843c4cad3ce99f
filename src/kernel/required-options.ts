import type { Settings } from '../config/option-table.js';

/** A config option the initramfs cannot work without, and why (shown when it is forced on). */
export interface RequiredOption {
  option: string;
  reason: string;
  /** y (the default): built in. module: y or m is enough; set to m (y when the kernel has no modules). */
  value?: 'y' | 'module';
  /** Set when missing, but a config whose dependencies drop it again is fine (genkernel's unchecked ones). */
  optional?: boolean;
}

/** The kernel's initramfs decompressor option for each compressor the image can be written with. */
const RD_OPTION: Record<string, string> = {
  gzip: 'RD_GZIP',
  bzip2: 'RD_BZIP2',
  lzma: 'RD_LZMA',
  xz: 'RD_XZ',
  lzo: 'RD_LZO',
  lz4: 'RD_LZ4',
  zstd: 'RD_ZSTD',
};

/**
 * How the symbolic choices resolve, for callers that do not pass the compressor the image
 * stage really picked. Matches genkernel: best is the densest, fastest the quickest to unpack.
 */
export const SYMBOLIC_COMPRESSOR: Record<string, string> = { best: 'xz', fastest: 'lz4' };

/**
 * RD_<X> for a compressor name (zstd -> RD_ZSTD); undefined for an uncompressed image.
 * `best`/`fastest` resolve through SYMBOLIC_COMPRESSOR unless the caller resolved them already.
 */
export function requiredRdOption(compressor: string | undefined): string | undefined {
  if (!compressor || compressor === 'none') return undefined;
  const name = SYMBOLIC_COMPRESSOR[compressor] ?? compressor;
  return RD_OPTION[name];
}

/**
 * What a kernel built here must have for the initramfs tsgenkernel makes: an initramfs at all,
 * the decompressor for its compression, devtmpfs (the init mounts it for /dev) and loadable
 * modules (the image carries them). `compressor` is the resolved image compressor when the caller
 * knows it (pass it when `best`/`fastest` resolve differently than SYMBOLIC_COMPRESSOR says).
 */
export function requiredKernelOptions(
  settings: Pick<Settings, 'COMPRESS_INITRD' | 'COMPRESS_INITRD_TYPE'>,
  compressor?: string,
): RequiredOption[] {
  const required: RequiredOption[] = [
    { option: 'BLK_DEV_INITRD', reason: 'the kernel must accept an initramfs' },
    { option: 'DEVTMPFS', reason: 'the initramfs mounts devtmpfs on /dev' },
    { option: 'MODULES', reason: 'the initramfs loads modules' },
  ];
  if (settings.COMPRESS_INITRD) {
    const chosen = compressor ?? settings.COMPRESS_INITRD_TYPE;
    const rd = requiredRdOption(chosen);
    if (rd) required.push({ option: rd, reason: `the initramfs is ${SYMBOLIC_COMPRESSOR[chosen] ?? chosen}-compressed` });
  }
  return required;
}
