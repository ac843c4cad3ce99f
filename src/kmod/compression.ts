import type { KernelConfig } from '../kernel/kconfig.js';
import { GkError } from '../errors.js';

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

/** CONFIG_MODULE_COMPRESS* symbols that are switches, not a choice of algorithm. */
const NON_CHOICE_SYMBOLS = new Set(['CONFIG_MODULE_COMPRESS', 'CONFIG_MODULE_COMPRESS_ALL']);

/**
 * moduleCompressionOf, refusing what we cannot honour: a CONFIG_MODULE_COMPRESS_<X>=y we do not know
 * (a newer kernel's LZ4, a typo) or two algorithms chosen at once. Better a clear stop here than
 * an image whose modules nothing can read.
 */
export function checkedModuleCompressionOf(config: KernelConfig, source = 'the kernel config'): ModuleCompression {
  const known = new Map(Object.entries(COMPRESSION_FACTS).map(([k, f]) => [f.configSymbol, k as ModuleCompression]));
  const chosen: string[] = [];
  for (const [symbol, value] of config.entries()) {
    if (!symbol.startsWith('CONFIG_MODULE_COMPRESS') || NON_CHOICE_SYMBOLS.has(symbol) || value !== 'y') continue;
    if (!/^CONFIG_MODULE_COMPRESS_[A-Z0-9_]+$/.test(symbol)) continue;
    if (!known.has(symbol)) {
      throw new GkError(
        `${source} sets ${symbol}=y, a module compression tsgenkernel does not know`,
        `choose one it can handle: ${[...known.keys()].map((s) => `${s}=y`).join(', ')}`,
      );
    }
    chosen.push(symbol);
  }
  if (chosen.length > 1) {
    throw new GkError(`${source} selects several module compressions at once (${chosen.join(', ')})`, 'keep exactly one CONFIG_MODULE_COMPRESS_* =y (run `make olddefconfig`)');
  }
  return chosen.length === 1 ? known.get(chosen[0]!)! : 'none';
}
