import { GkError } from '../errors.js';
import { decompress } from '../decompress.js';
import type { ModuleCompression } from './compression.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/**
 * A module file's ELF image, decompressed in-process (see src/decompress.ts). Anything that does
 * not come out as ELF is a damaged module: named, with the way out.
 */
export async function decompressModule(data: Buffer, compression: ModuleCompression, file: string): Promise<Buffer> {
  let out: Buffer;
  try {
    out = compression === 'none' ? data : await decompress(compression, data);
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
