import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What a directory tree holds, path by path: `sha256:<hex>` for a file, `link:<target>` for a
 * symlink, `dir` for a directory. Recorded when a tool enters the cache and compared on every
 * hit, so a cached binary that was replaced afterwards is noticed before it goes into an image.
 * Cached tool trees are a few MB, so this costs milliseconds.
 */
export type TreeDigests = Record<string, string>;

export function treeDigests(dir: string): TreeDigests {
  const out: TreeDigests = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(rel ? join(dir, rel) : dir).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(dir, r);
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) out[r] = `link:${readlinkSync(abs)}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(r);
      } else if (st.isFile()) out[r] = `sha256:${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
      else out[r] = 'special';
    }
  };
  walk('');
  return out;
}

/** The first path whose content differs between two records (added, removed or changed). */
export function firstDifference(recorded: TreeDigests, now: TreeDigests): string | undefined {
  for (const k of Object.keys(recorded)) if (recorded[k] !== now[k]) return k;
  for (const k of Object.keys(now)) if (!(k in recorded)) return k;
  return undefined;
}
