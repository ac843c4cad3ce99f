import { globToRegExp } from './fnmatch.js';
import { normaliseModuleName } from './names.js';
import { clip, indexParseError, numberedLines, readIndexFile } from './index-file.js';

/**
 * kmod compares aliases with '-' read as '_' everywhere except inside a [...] bracket (where '-' is a
 * range), so "crypto_crc32c" finds "crypto-crc32c".
 */
export function normaliseAlias(alias: string): string {
  // The common cases without a character loop: ~25000 patterns are normalised per build.
  if (!alias.includes('-')) return alias;
  if (!alias.includes('[')) return alias.replaceAll('-', '_');
  let out = '';
  let inBracket = false;
  for (const c of alias) {
    if (c === '[') inBracket = true;
    else if (c === ']') inBracket = false;
    out += c === '-' && !inBracket ? '_' : c;
  }
  return out;
}

export interface AliasLine {
  pattern: string;
  module: string;
}

/** Parses modules.alias ("alias PATTERN MODULE", '#' comments). */
export function parseModulesAlias(text: string, file = 'modules.alias'): AliasLine[] {
  const out: AliasLine[] = [];
  for (const [n, raw] of numberedLines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const words = line.split(/\s+/);
    if (words[0] !== 'alias') throw indexParseError(file, n, `expected "alias PATTERN MODULE", found "${clip(line)}"`);
    if (words.length !== 3) throw indexParseError(file, n, `expected "alias PATTERN MODULE" (3 words), found ${words.length} in "${clip(line)}"`);
    out.push({ pattern: words[1]!, module: normaliseModuleName(words[2]!) });
  }
  return out;
}

/**
 * Alias lookup. Plain patterns (most of them: "crypto-crc32c", "fs-ext4") sit in a Map; glob
 * patterns (device modaliases) are compiled on first use, since one build looks up only a few.
 */
export class AliasTable {
  private readonly exact = new Map<string, string[]>();
  // Each glob keeps its literal head ("usb:v13FDp3940d0"): a query that does not start with it cannot
  // match, so only a handful of the ~20000 device patterns are ever compiled.
  private readonly globs: Array<{ pattern: string; prefix: string; module: string; re?: RegExp }> = [];

  constructor(lines: readonly AliasLine[]) {
    for (const l of lines) {
      const pattern = normaliseAlias(l.pattern);
      const globAt = pattern.search(/[*?[\\]/); // hasGlob() and where the literal head ends, in one scan
      if (globAt >= 0) {
        this.globs.push({ pattern, prefix: pattern.slice(0, globAt), module: l.module });
      } else {
        const list = this.exact.get(pattern) ?? [];
        if (!list.includes(l.module)) list.push(l.module);
        this.exact.set(pattern, list);
      }
    }
  }

  /** Modules an alias (or modalias) names, in file order, each once. */
  lookup(query: string): string[] {
    const alias = normaliseAlias(query);
    const found = [...(this.exact.get(alias) ?? [])];
    for (const g of this.globs) {
      if (!alias.startsWith(g.prefix)) continue;
      g.re ??= globToRegExp(g.pattern);
      if (g.re.test(alias) && !found.includes(g.module)) found.push(g.module);
    }
    return found;
  }

  get size(): number {
    let n = this.globs.length;
    for (const l of this.exact.values()) n += l.length;
    return n;
  }
}

export async function loadModulesAlias(moduleDir: string): Promise<AliasLine[]> {
  const { file, text } = await readIndexFile(moduleDir, 'modules.alias');
  // A tree without aliases still resolves by name; index-health reports a missing modules.dep.
  if (text === undefined) return [];
  return parseModulesAlias(text, file);
}
