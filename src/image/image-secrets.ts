import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageTree } from './image-tree.js';
import { readImage } from './read-image.js';
import { isInside } from '../trust/owner-rule.js';

/**
 * Secrets an image can carry: SSH host keys, authorized keys, and any file the build or an
 * overlay put in with no read bit for others (a LUKS key file, say). An image holding one is
 * installed 0600, as is its .old and a --no-install image, and `check` reports an older image
 * in the boot dir that others can still read.
 */
const SECRET_PATHS = [/^etc\/dropbear\/.*host_key$/, /(^|\/)\.ssh\/authorized_keys$/, /(^|\/)ssh_host_.*_key$/];

export function isSecret(path: string, mode: number): boolean {
  return (mode & 0o004) === 0 || SECRET_PATHS.some((re) => re.test(path));
}

/** Host files below `dir` that hold secrets of the tree (what --no-cleanup leaves behind). */
export function secretSourcesUnder(tree: ImageTree, dir: string): string[] {
  return tree
    .sorted()
    .flatMap((e) => (e.kind === 'file' && typeof e.source === 'string' && isSecret(e.path, e.mode) && isInside(e.source, dir) ? [e.source] : []));
}

/** Image paths of the secrets in an image file (its archives read the way the kernel reads them). */
export async function secretsInImageFile(path: string): Promise<string[]> {
  const parts = await readImage(await readFile(path), path);
  return parts.flatMap((p) => p.entries.filter((e) => (e.mode & 0o170000) === 0o100000 && isSecret(e.name.replace(/^\.?\/+/, ''), e.mode)).map((e) => e.name));
}

export interface ExposedImage {
  path: string;
  mode: number;
  secrets: string[];
}

/** Initramfs images in `bootdir` (and their .old) that others can read although they hold secrets. */
export async function exposedImages(bootdir: string): Promise<ExposedImage[]> {
  const out: ExposedImage[] = [];
  for (const name of (await readdir(bootdir).catch(() => [])).sort()) {
    if (!/^(initramfs|initrd)/.test(name)) continue;
    const path = join(bootdir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile() || (st.mode & 0o004) === 0) continue;
    const secrets = await secretsInImageFile(path).catch(() => []); // not an image we can read: not ours to judge
    if (secrets.length) out.push({ path, mode: st.mode & 0o7777, secrets });
  }
  return out;
}
