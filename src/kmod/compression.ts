import type { KernelConfig } from '../kernel/kconfig.js';

/**
 * Module compression as the kernel config chooses it (CONFIG_MODULE_COMPRESS_*), the file
 * suffix modules_install writes for it, and the `kmod --version` feature that can read it.
 */
export type ModuleCompression = 'none' | 'gzip' | 'xz' | 'zstd';

export const COMPRESSION_FACTS: Record<ModuleCompression, { suffix: string; kmodFeature?: string; configSymbol: string }> = {
  none: { suffix: '.ko', configSymbol: 'CONFIG_MODULE_COMPRESS_NONE' },
  gzip: { suffix: '.ko.gz', kmodFeature: 'ZLIB', configSymbol: 'CONFIG_MODULE_COMPRESS_GZIP' },
  xz: { suffix: '.ko.xz', kmodFeature: 'XZ', configSymbol: 'CONFIG_MODULE_COMPRESS_XZ' },
  zstd: { suffix: '.ko.zst', kmodFeature: 'ZSTD', configSymbol: 'CONFIG_MODULE_COMPRESS_ZSTD' },
};

/** Which compression a config selects. Kernels before 5.13 used CONFIG_MODULE_COMPRESS=y plus a choice. */
export function moduleCompressionOf(config: KernelConfig): ModuleCompression {
  if (config.builtin('MODULE_COMPRESS_ZSTD')) return 'zstd';
  if (config.builtin('MODULE_COMPRESS_XZ')) return 'xz';
  if (config.builtin('MODULE_COMPRESS_GZIP')) return 'gzip';
  return 'none';
}

/** Which compression a module file name carries. */
export function compressionOfFile(name: string): ModuleCompression | undefined {
  if (name.endsWith('.ko')) return 'none';
  if (name.endsWith('.ko.zst')) return 'zstd';
  if (name.endsWith('.ko.xz')) return 'xz';
  if (name.endsWith('.ko.gz')) return 'gzip';
  return undefined;
}
