import { readFile, readdir } from 'node:fs/promises';
import { dirname, basename, join, isAbsolute } from 'node:path';

/**
 * Where the dynamic loader looks for a DT_NEEDED name, besides DT_RPATH/DT_RUNPATH: the
 * directories of /etc/ld.so.conf (what ldconfig puts in ld.so.cache), then its built-in
 * system directories. The image gets no ld.so.cache, so inside it only the system
 * directories and the objects' own run paths are searched; closure.ts accounts for that.
 */
export interface LibrarySearchOptions {
  /** ld.so.conf to read (its `include` lines are followed). Default /etc/ld.so.conf. */
  ldSoConf?: string;
  /**
   * The loader's built-in directories, in its order. Default: Debian's multiarch pair, then
   * /lib64 and /usr/lib64 (other distributions' 64-bit dirs), then /lib and /usr/lib.
   */
  systemDirs?: string[];
}

export const DEFAULT_SYSTEM_DIRS_X86_64 = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/** '*' and '?' of one path component, as glob(3) matches ld.so.conf's include patterns. */
function componentMatcher(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`);
}

async function expandInclude(pattern: string, relativeTo: string): Promise<string[]> {
  const abs = isAbsolute(pattern) ? pattern : join(dirname(relativeTo), pattern);
  const dir = dirname(abs);
  const base = basename(abs);
  if (!/[*?]/.test(base)) return [abs];
  const names = await readdir(dir).catch(() => [] as string[]);
  const m = componentMatcher(base);
  return names.filter((n) => m.test(n)).sort().map((n) => join(dir, n));
}

/**
 * Directories listed by ld.so.conf and its includes, in order, without duplicates. A missing
 * file contributes nothing (the loader then just has no cache), and include loops stop.
 */
export async function ldSoConfDirs(file = '/etc/ld.so.conf', seen = new Set<string>()): Promise<string[]> {
  if (seen.has(file)) return [];
  seen.add(file);
  const text = await readFile(file, 'utf8').catch(() => '');
  const dirs: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const include = /^include\s+(.+)$/.exec(line);
    if (include) {
      for (const pat of include[1]!.split(/\s+/)) {
        for (const f of await expandInclude(pat, file)) dirs.push(...(await ldSoConfDirs(f, seen)));
      }
      continue;
    }
    if (line.startsWith('hwcap ')) continue;
    // Old syntax allows "dir=TYPE" and several dirs per line separated by blanks, commas or colons.
    for (const d of line.split(/[\s,:]+/)) {
      const dir = d.replace(/=.*$/, '');
      if (dir.startsWith('/')) dirs.push(dir.replace(/\/+$/, '') || '/');
    }
  }
  return [...new Set(dirs)];
}
