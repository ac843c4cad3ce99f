import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The kernels installed on a machine: a release counts when both its image (/boot/vmlinuz-KV)
 * and its module tree (/lib/modules/KV) are there, the pair an initramfs build and a boot need.
 * Newest first, ordered the way `sort -V` orders releases (6.1.0-57 after 6.1.0-9).
 */
export function installedKernels(root = '/'): string[] {
  const bootDir = join(root, 'boot');
  const moduleRoot = join(root, 'lib/modules');
  if (!existsSync(bootDir) || !existsSync(moduleRoot)) return [];
  return readdirSync(bootDir)
    .filter((f) => f.startsWith('vmlinuz-'))
    .map((f) => f.slice('vmlinuz-'.length))
    .filter((kv) => existsSync(join(moduleRoot, kv, 'modules.order')))
    .sort(compareReleases)
    .reverse();
}

/** Version order: runs of digits compare as numbers, everything else as text. */
export function compareReleases(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return 0;
}
