import { GkError } from '../errors.js';
import { isModuleFileName, moduleNameOfPath } from './names.js';
import { clip, indexParseError, numberedLines, readIndexFile } from './index-file.js';

/** One modules.dep line: a module file and every module it needs (the full closure, as depmod writes it). */
export interface DepEntry {
  name: string;
  /** Relative to the module dir, e.g. "kernel/fs/ext4/ext4.ko". */
  relPath: string;
  /** Relative paths, in the order depmod lists them. */
  deps: string[];
}

/** Parses modules.dep ("path: dep dep ..."); `file` names the source in errors. */
export function parseModulesDep(text: string, file = 'modules.dep'): DepEntry[] {
  const entries: DepEntry[] = [];
  for (const [n, line] of numberedLines(text)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw indexParseError(file, n, `no ':' after the module path in "${clip(line)}"`);
    const relPath = line.slice(0, colon).trim();
    if (relPath === '' || /\s/.test(relPath)) throw indexParseError(file, n, `bad module path "${clip(relPath)}"`);
    if (!isModuleFileName(relPath)) throw indexParseError(file, n, `"${clip(relPath)}" is not a kernel module file (.ko, .ko.zst, .ko.xz, .ko.gz)`);
    const deps = line.slice(colon + 1).split(/\s+/).filter((d) => d !== '');
    for (const d of deps) {
      if (!isModuleFileName(d)) throw indexParseError(file, n, `dependency "${clip(d)}" of ${relPath} is not a kernel module file`);
    }
    entries.push({ name: moduleNameOfPath(relPath), relPath, deps });
  }
  return entries;
}

export async function loadModulesDep(moduleDir: string): Promise<DepEntry[]> {
  const { file, text } = await readIndexFile(moduleDir, 'modules.dep');
  if (text === undefined) throw new GkError(`${file} cannot be read`, `run \`depmod -b BASEDIR KERNEL_VERSION\` to create the module indexes`);
  return parseModulesDep(text, file);
}
