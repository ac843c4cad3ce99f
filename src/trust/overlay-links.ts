import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { GkError } from '../errors.js';

/**
 * An --initramfs-overlay is copied with its symlinks kept as links. A relative link that climbs
 * above the overlay's top (`../../etc/shadow` from `etc/x`) was made against the host's tree,
 * not the image's: refused, so the overlay says only what lies inside it. Absolute targets name
 * image paths and stay.
 */
export async function refuseEscapingLinks(dir: string): Promise<void> {
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, r));
      if (st.isDirectory()) await walk(r);
      else if (st.isSymbolicLink()) {
        const target = await readlink(join(dir, r));
        if (target.startsWith('/')) continue;
        const lands = posix.normalize(posix.join(posix.dirname(r), target));
        if (lands === '..' || lands.startsWith('../')) {
          throw new GkError(`initramfs overlay link ${join(dir, r)} -> ${target} points outside ${dir}`, 'make it point inside the overlay (or at an absolute path in the image)');
        }
      }
    }
  };
  await walk('');
}
