import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normaliseModuleName } from './names.js';
import { clip, indexParseError, numberedLines, readIndexFile } from './index-file.js';

/** "softdep MODULE pre: A B post: C": load A and B before MODULE and C after it. */
export interface Softdep {
  module: string;
  /** Names or aliases, as written (resolved later like any request). */
  pre: string[];
  post: string[];
  /** "file:line", for messages. */
  source: string;
}

/**
 * Parses the softdep lines of modules.softdep or of a modprobe.d file. Other modprobe.d commands
 * (alias, options, blacklist, install, ...) are skipped: they do not change which modules the image needs.
 * As in kmod, words before the first "pre:"/"post:" are ignored (Debian's modules.softdep has
 * "softdep cifs gcm" lines from modules that forgot the "pre:"; modprobe loads nothing for them).
 */
export function parseSoftdeps(text: string, file: string): Softdep[] {
  const out: Softdep[] = [];
  for (const [n, line] of joinContinuations(text)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = trimmed.split(/\s+/);
    if (words[0] !== 'softdep') continue;
    const module = words[1];
    if (module === undefined || module === 'pre:' || module === 'post:') {
      throw indexParseError(file, n, `softdep without a module name: "${clip(trimmed)}"`, `write it as "softdep MODULE pre: A post: B"`);
    }
    const dep: Softdep = { module: normaliseModuleName(module), pre: [], post: [], source: `${file}:${n}` };
    let mode: 'none' | 'pre' | 'post' = 'none';
    for (const w of words.slice(2)) {
      if (w === 'pre:') mode = 'pre';
      else if (w === 'post:') mode = 'post';
      else if (mode !== 'none') dep[mode].push(w);
    }
    out.push(dep);
  }
  return out;
}

/** modprobe.d lines ending in a backslash continue on the next line; keeps the first line's number. */
function joinContinuations(text: string): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  let pending: [number, string] | undefined;
  for (const [n, line] of numberedLines(text)) {
    const cont = line.endsWith('\\');
    const body = cont ? line.slice(0, -1) : line;
    pending = pending ? [pending[0], pending[1] + ' ' + body] : [n, body];
    if (!cont) {
      out.push(pending);
      pending = undefined;
    }
  }
  if (pending) out.push(pending);
  return out;
}

/** Where kmod reads modprobe.d configuration; earlier directories override same-named files in later ones. */
export const DEFAULT_MODPROBE_DIRS = ['/etc/modprobe.d', '/lib/modprobe.d'];

/** Softdeps from every *.conf in the modprobe.d directories, files in name order as kmod reads them. */
export async function loadModprobeSoftdeps(dirs: readonly string[] = DEFAULT_MODPROBE_DIRS): Promise<Softdep[]> {
  const chosen = new Map<string, string>();
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue; // A missing modprobe.d is normal.
    }
    for (const name of names) {
      if (name.endsWith('.conf') && !chosen.has(name)) chosen.set(name, join(dir, name));
    }
  }
  const out: Softdep[] = [];
  for (const name of [...chosen.keys()].sort()) {
    const path = chosen.get(name)!;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue; // Unreadable (dangling symlink to /dev/null-style masks): kmod skips it too.
    }
    out.push(...parseSoftdeps(text, path));
  }
  return out;
}

export async function loadModulesSoftdep(moduleDir: string): Promise<Softdep[]> {
  const { file, text } = await readIndexFile(moduleDir, 'modules.softdep');
  if (text === undefined) return [];
  return parseSoftdeps(text, file);
}

/**
 * One softdep per module. Lines of one kind that name the same module add up (depmod writes one line
 * per MODULE_SOFTDEP, and for an image a module too many is harmless while one too few is not);
 * modprobe.d entries for a module replace what the module itself declares, since that is what an
 * administrator writes one for.
 */
export function mergeSoftdeps(fromModules: readonly Softdep[], fromConfig: readonly Softdep[]): Map<string, Softdep> {
  const fold = (list: readonly Softdep[]) => {
    const map = new Map<string, Softdep>();
    for (const d of list) {
      const have = map.get(d.module);
      if (!have) map.set(d.module, { ...d, pre: [...d.pre], post: [...d.post] });
      else {
        for (const p of d.pre) if (!have.pre.includes(p)) have.pre.push(p);
        for (const p of d.post) if (!have.post.includes(p)) have.post.push(p);
      }
    }
    return map;
  };
  const merged = fold(fromModules);
  for (const [name, d] of fold(fromConfig)) merged.set(name, d);
  return merged;
}
