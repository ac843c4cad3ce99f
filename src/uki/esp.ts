import { readFile, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';

/**
 * The EFI system partition the UKI goes to. --esp names it; otherwise the first of /efi,
 * /boot/efi and /boot that is a mounted FAT filesystem (where systemd's kernel-install and
 * bootctl look for it too). A directory that is not mounted vfat is not taken by guess: a UKI
 * written to a plain directory under / would never be seen by the firmware.
 */
export const ESP_CANDIDATES = ['/efi', '/boot/efi', '/boot'] as const;

export async function findEsp(given: string, procRoot = '/proc'): Promise<string> {
  if (given) {
    const st = await stat(given).catch(() => undefined);
    if (!st?.isDirectory()) throw new GkError(`the ESP ${given} (--esp) is not a directory`, 'mount the EFI system partition there, or pass --esp=DIR where it is mounted');
    return given;
  }
  const vfat = await vfatMounts(procRoot);
  const found = ESP_CANDIDATES.find((c) => vfat.has(c));
  if (found) return found;
  throw new GkError(`no EFI system partition is mounted at ${ESP_CANDIDATES.join(', ')}`, 'mount the ESP (a FAT partition) at /efi or /boot/efi, or pass --esp=DIR');
}

async function vfatMounts(procRoot: string): Promise<Set<string>> {
  const text = await readFile(join(procRoot, 'mounts'), 'utf8').catch(() => '');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const [, mountpoint, fsType] = line.split(/\s+/);
    if (mountpoint && (fsType === 'vfat' || fsType === 'msdos')) out.add(mountpoint.replace(/\\040/g, ' '));
  }
  return out;
}

/** Where the UKI goes on the ESP: the Boot Loader Specification's type 2 entry. */
export function ukiRelativePath(osId: string, kv: string): { dir: string; name: string } {
  return { dir: join('EFI', 'Linux'), name: `${osId}-${kv}.efi` };
}

/**
 * Bytes the install needs on the ESP: the new file is written beside the current one, and FAT
 * has no hard links, so the current one is copied to .old (replacing the previous .old).
 */
export async function espBytesNeeded(esp: string, newBytes: number, osId: string, kv: string): Promise<{ needed: number; free: number }> {
  const { dir, name } = ukiRelativePath(osId, kv);
  const size = (p: string) => stat(p).then((s) => s.size, () => 0);
  const current = await size(join(esp, dir, name));
  const old = await size(join(esp, dir, `${name}.old`));
  const fs = await statfs(esp);
  return { needed: newBytes + Math.max(0, current - old), free: fs.bavail * fs.bsize };
}
