import { basename } from 'node:path';

/** kmod treats '-' and '_' in module names as the same character; we store the '_' form. */
export function normaliseModuleName(name: string): string {
  return name.replace(/-/g, '_');
}

/** The module name a file path carries: "kernel/arch/x86/crypto/crc32c-intel.ko.zst" -> "crc32c_intel". */
export function moduleNameOfPath(relPath: string): string {
  return normaliseModuleName(basename(relPath).replace(/\.ko(\.(zst|xz|gz))?$/, ''));
}

/** True when a path names a kernel module file in any compression kmod knows. */
export function isModuleFileName(name: string): boolean {
  return /\.ko(\.(zst|xz|gz))?$/.test(name);
}
