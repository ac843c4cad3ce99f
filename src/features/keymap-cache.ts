import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The converted keymaps are kept in the tool cache, since --keymap is on by default: loadkeys runs
 * once per set of host sources (about 3 s for the 40-odd maps here), later builds copy the result.
 * The key covers everything the output depends on: each source file's path, size and mtime (kmap
 * files include each other, so every file under the roots counts), the loadkeys version and the
 * name table.
 */
export async function keymapCacheKey(roots: readonly string[], loadkeysVersion: string, table: unknown): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify({ loadkeysVersion, table }));
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const st = await stat(p).catch(() => undefined);
        h.update(`${p}\0${st?.size ?? -1}\0${st?.mtimeMs ?? -1}\n`);
      }
    }
  };
  for (const root of roots) await walk(root);
  return h.digest('hex');
}

export interface CachedKeymaps {
  dir: string;
  names: string[];
}

/** The cached set under `cacheDir`, or undefined when there is none (or it is incomplete). */
export async function readKeymapCache(cacheDir: string, key: string, listName: string): Promise<CachedKeymaps | undefined> {
  const dir = join(cacheDir, 'keymaps', key);
  const list = await readFile(join(dir, listName), 'utf8').catch(() => undefined);
  if (list === undefined) return undefined;
  return { dir, names: list.split('\n').filter(Boolean) };
}

/**
 * Stores the maps of `fromDir` (NAME.map) with their list; written aside, then renamed into place,
 * so a reader never sees half a set. A failure to store only costs the next build the conversion.
 */
export async function writeKeymapCache(cacheDir: string, key: string, listName: string, fromDir: string, names: readonly string[]): Promise<CachedKeymaps | undefined> {
  const dir = join(cacheDir, 'keymaps', key);
  const partial = `${dir}.partial-${process.pid}`;
  try {
    await mkdir(partial, { recursive: true });
    for (const n of names) await writeFile(join(partial, `${n}.map`), await readFile(join(fromDir, `${n}.map`)));
    await writeFile(join(partial, listName), names.join('\n') + '\n');
    await rename(partial, dir);
    return { dir, names: [...names] };
  } catch {
    await rm(partial, { recursive: true, force: true });
    return undefined;
  }
}
