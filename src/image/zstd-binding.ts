import { createRequire } from 'node:module';

/**
 * @mongodb-js/zstd's native binding, loaded once on first use. Its JS wrapper (1.2.2) calls the
 * binding without the level, so every level came out as zstd's default 3: the binding is called
 * directly. Its loader asks process.report.getReport() whether the C library is musl, which costs
 * 30 ms or more at every start (measured with --cpu-prof): on x86_64/arm64 Linux the glibc
 * platform package is tried first, and the package's own loader stays the fallback.
 */
export interface ZstdBinding {
  compress(data: Buffer, level: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

let binding: ZstdBinding | undefined;

export function zstdBinding(): ZstdBinding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
    try {
      binding = require(`@mongodb-js/zstd-linux-${process.arch}-gnu`) as ZstdBinding;
      return binding;
    } catch {
      // not installed, or a musl system where the glibc build does not load: the package's loader decides
    }
  }
  binding = require('@mongodb-js/zstd/bindings') as ZstdBinding;
  return binding;
}
