import type { KernelConfig } from '../kernel/kconfig.js';
import { normaliseModuleName } from './names.js';

/**
 * Modules a filesystem asks the kernel for while it mounts, which neither modules.dep nor a
 * softdep names. FAT looks its character sets up by name at mount time (load_nls): vfat needs
 * the default codepage and the default iocharset, msdos the codepage; exFAT its iocharset.
 * Without them the mount fails ("FAT-fs: codepage cp437 not found"), so a vfat key stick could
 * not be read. The names come from the kernel's own defaults (CONFIG_FAT_DEFAULT_CODEPAGE=437 ->
 * nls_cp437, CONFIG_FAT_DEFAULT_IOCHARSET="iso8859-1" -> nls_iso8859_1). Other filesystems
 * (ext4 and btrfs: crc32c, xxhash, sha256, blake2b; f2fs: crc32) declare theirs as softdeps,
 * which the resolver follows.
 */
export function mountTimeModules(config: KernelConfig): Map<string, string[]> {
  const nls = (charset: string | undefined) => (charset ? [normaliseModuleName(`nls_${charset.toLowerCase()}`)] : []);
  const codepage = config.get('FAT_DEFAULT_CODEPAGE');
  const cp = codepage ? nls(`cp${codepage}`) : [];
  const needs = new Map<string, string[]>([
    ['vfat', [...cp, ...nls(config.get('FAT_DEFAULT_IOCHARSET'))]],
    ['msdos', cp],
    ['exfat', nls(config.get('EXFAT_DEFAULT_IOCHARSET'))],
  ]);
  // A charset built into the kernel is found by the resolver in modules.builtin: nothing to copy.
  return new Map([...needs].filter(([, mods]) => mods.length > 0).map(([fs, mods]) => [fs, [...new Set(mods)]]));
}

/** For each filesystem module in `selected` (names as kmod spells them): what it needs at mount time. */
export function mountTimeNeedsOf(config: KernelConfig, selected: ReadonlySet<string>): Map<string, string[]> {
  return new Map([...mountTimeModules(config)].filter(([fs]) => selected.has(fs)));
}

/** The init's table: "vfat=nls_cp437,nls_ascii msdos=nls_cp437" (read by gk_load_fs_module). */
export function renderMountTimeNeeds(needs: ReadonlyMap<string, readonly string[]>): string {
  return [...needs].map(([fs, mods]) => `${fs}=${mods.join(',')}`).join(' ');
}
