import type { Settings } from '../config/option-table.js';
import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { setConfigOption, setConfigString } from './kconfig-edit.js';

/** The kernel's CONFIG_INITRAMFS_COMPRESSION_<X> choice for each image compressor. */
const COMPRESSION_SYMBOL: Record<string, string> = {
  none: 'NONE',
  gzip: 'GZIP',
  bzip2: 'BZIP2',
  lzma: 'LZMA',
  xz: 'XZ',
  lzo: 'LZO',
  lz4: 'LZ4',
  zstd: 'ZSTD',
};

/** --integrated-initramfs applies to `all` only: the other commands build no kernel and initramfs together. */
export function integratesInitramfs(ctx: Pick<BuildContext, 'command' | 'settings'>): boolean {
  return ctx.command === 'all' && ctx.settings.INTEGRATED_INITRAMFS;
}

/** The CONFIG_INITRAMFS_COMPRESSION_ symbol for a compressor name ("zstd" or "zstd -19"). */
export function builtInCompressionSymbol(compressor: string): string {
  return `INITRAMFS_COMPRESSION_${COMPRESSION_SYMBOL[compressor.split(' ')[0] ?? ''] ?? 'NONE'}`;
}

/**
 * The .config edits genkernel makes for --integrated-initramfs: an initramfs at all, the
 * uncompressed cpio as CONFIG_INITRAMFS_SOURCE (a single *.cpio file is taken as the archive
 * itself), owned by root, and the kernel's compression of it set to the image's compressor (the
 * other members of that choice off). `make olddefconfig` settles the rest.
 */
export function builtInInitramfsConfig(text: string, cpioPath: string, compressor: string): string {
  let out = setConfigOption(text, 'BLK_DEV_INITRD', 'y');
  out = setConfigString(out, 'INITRAMFS_SOURCE', cpioPath);
  out = setConfigOption(out, 'INITRAMFS_ROOT_UID', '0');
  out = setConfigOption(out, 'INITRAMFS_ROOT_GID', '0');
  const chosen = builtInCompressionSymbol(compressor);
  for (const sym of Object.values(COMPRESSION_SYMBOL)) {
    const option = `INITRAMFS_COMPRESSION_${sym}`;
    out = setConfigOption(out, option, option === chosen ? 'y' : 'n');
  }
  return out;
}

/** What cannot go with a built-in initramfs, said before the compile (genkernel refuses the microcode one too). */
export function refuseIntegratedConflicts(s: Pick<Settings, 'MICROCODE_INITRAMFS' | 'MICROCODE' | 'KERNEL_SOURCES' | 'UKI'>): void {
  if (s.MICROCODE_INITRAMFS && s.MICROCODE !== 'none') {
    throw new GkError(
      '--integrated-initramfs cannot carry early microcode: the kernel reads it only from a separate initramfs',
      'add --no-microcode-initramfs (or load microcode from its own image), or drop --integrated-initramfs',
    );
  }
  if (!s.KERNEL_SOURCES) throw new GkError('--integrated-initramfs relinks the kernel, so it needs the kernel sources', 'drop --no-kernel-sources or --integrated-initramfs');
  if (s.UKI) throw new GkError('--integrated-initramfs and --uki both decide where the initramfs goes', 'pick one of them');
}
