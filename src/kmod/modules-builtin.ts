import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { moduleNameOfPath } from './names.js';
import { clip, indexParseError, numberedLines } from './index-file.js';

/** Parses modules.builtin (one "kernel/.../name.ko" per line) into module names. */
export function parseModulesBuiltin(text: string, file = 'modules.builtin'): Set<string> {
  const names = new Set<string>();
  for (const [n, raw] of numberedLines(text)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/\s/.test(line) || !line.endsWith('.ko')) throw indexParseError(file, n, `expected a "path/name.ko" line, found "${clip(line)}"`);
    names.add(moduleNameOfPath(line));
  }
  return names;
}

/** A kernel built without modules support has no modules.builtin; then nothing is builtin as far as we know. */
export async function loadModulesBuiltin(moduleDir: string): Promise<Set<string>> {
  const file = join(moduleDir, 'modules.builtin');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new Set();
  }
  return parseModulesBuiltin(text, file);
}
