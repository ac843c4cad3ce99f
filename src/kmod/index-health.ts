import { readFile, stat } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import type { Logger } from '../log.js';
import { COMPRESSION_FACTS, compressionOfFile, type ModuleCompression } from './compression.js';
import { listModuleFiles } from './module-files.js';
import { parseModulesDep, type DepEntry } from './modules-dep.js';
import { clip } from './index-file.js';

export interface ModuleIndexHealth {
  /** Modules modules.dep lists. */
  indexed: number;
  /** Module files on disk that modules.dep does not list (installed after depmod ran). */
  unindexed: string[];
  /** Compressions found on disk, e.g. ['zstd']; differs from `expected` when the tree came from another config. */
  onDisk: ModuleCompression[];
  /** True when a module file is newer than modules.dep (installed after depmod ran). */
  olderThanModules: boolean;
}

const depmodHint = (moduleDir: string, expected: ModuleCompression) => {
  const feature = COMPRESSION_FACTS[expected].kmodFeature;
  return `run \`depmod -b BASEDIR KERNEL_VERSION\` for ${moduleDir}${feature ? ` with a kmod built with ${feature} support` : ''}, or reinstall the modules`;
};

/**
 * Checks that modules.dep describes the files really installed, before anything is resolved from it.
 * Catches the quiet failures: a depmod that could not read the compression (empty index), an index
 * left from before the modules were recompressed (.ko listed, .ko.zst on disk), and entries that
 * point outside the module dir (a crafted or corrupted index must not make us copy /etc/shadow).
 */
export async function checkModuleIndex(moduleDir: string, expected: ModuleCompression): Promise<ModuleIndexHealth> {
  const depFile = join(moduleDir, 'modules.dep');
  let text: string;
  let depTime: number;
  try {
    [text, depTime] = await Promise.all([readFile(depFile, 'utf8'), stat(depFile).then((st) => st.mtimeMs)]);
  } catch {
    const files = await listModuleFiles(moduleDir);
    throw new GkError(
      `${depFile} is missing${files.length ? ` although ${files.length} module files are installed` : ' and no modules are installed there'}`,
      files.length ? depmodHint(moduleDir, expected) : `install the kernel modules first (\`make modules_install\`), or check the kernel version`,
    );
  }
  const entries = parseModulesDep(text, depFile);
  refuseEscapes(entries, depFile, moduleDir, expected);
  // The fast path: no directory of the tree changed since depmod ran, so no module file was
  // added, removed or renamed since (a file appears in a directory by changing its mtime). That is
  // some 900 directory stats instead of a walk that stats all 4000 module files. Files rewritten
  // in place do not touch their directory: the selected ones are checked in select-modules.
  if (entries.length > 0 && !treeChangedSince(moduleDir, entries, depTime)) {
    return { indexed: entries.length, unindexed: [], onDisk: [...new Set(entries.map((e) => compressionOfFile(e.relPath)!))], olderThanModules: false };
  }
  return compareWithTree(moduleDir, expected, depFile, depTime, entries);
}

/** The slow path: one walk of the whole tree, which names exactly what does not match. */
async function compareWithTree(moduleDir: string, expected: ModuleCompression, depFile: string, depTime: number, entries: DepEntry[]): Promise<ModuleIndexHealth> {
  const files = await listModuleFiles(moduleDir);
  if (entries.length === 0 && files.length > 0) {
    const kinds = [...new Set(files.map((f) => compressionOfFile(f.relPath)))].join(', ');
    throw new GkError(
      `${depFile} is empty although ${files.length} module files (${kinds}) are installed: depmod could not read them`,
      depmodHint(moduleDir, expected),
    );
  }
  const onDiskSet = new Set(files.map((f) => f.relPath));
  const missing = new Set<string>();
  for (const e of entries) {
    for (const p of [e.relPath, ...e.deps]) if (!onDiskSet.has(p)) missing.add(p);
  }
  if (missing.size > 0) {
    const first = [...missing][0]!;
    const stem = first.replace(/\.ko(\.(zst|xz|gz))?$/, '.ko');
    const actual = [...onDiskSet].find((f) => f !== first && f.replace(/\.ko(\.(zst|xz|gz))?$/, '.ko') === stem);
    throw new GkError(
      actual
        ? `${depFile} is stale: it lists ${first} but the file installed is ${actual} (${missing.size} entries do not match the files)`
        : `${depFile} lists ${missing.size} module files that are not installed, first ${first}`,
      depmodHint(moduleDir, expected),
    );
  }
  const listed = new Set(entries.map((e) => e.relPath));
  return {
    indexed: entries.length,
    unindexed: files.filter((f) => !listed.has(f.relPath)).map((f) => f.relPath),
    onDisk: [...new Set(files.map((f) => compressionOfFile(f.relPath)!))],
    olderThanModules: files.some((f) => f.mtimeMs > depTime),
  };
}

/** A crafted or corrupted index must not make us copy /etc/shadow. */
function refuseEscapes(entries: readonly DepEntry[], depFile: string, moduleDir: string, expected: ModuleCompression): void {
  for (const e of entries) {
    for (const p of [e.relPath, ...e.deps]) {
      // The cheap test first: only a path with '..' or a leading '/' can leave the tree.
      if (!p.includes('..') && !isAbsolute(p)) continue;
      if (isAbsolute(p) || posix.normalize(p).split('/').includes('..')) {
        throw new GkError(
          `${depFile} lists "${clip(p)}", which points outside ${moduleDir}`,
          `the index is corrupt or was tampered with: ${depmodHint(moduleDir, expected)}`,
        );
      }
    }
  }
}

/**
 * True when a directory that holds (or leads to) an indexed module changed after modules.dep was
 * written, or the module dir itself did after depmod's last output. depmod renames its outputs
 * into the module dir, so that directory's mtime trails the newest modules.* file by a moment:
 * it gets a second of slack. Synchronous stats: the inodes are cached, and 900 statSync calls
 * cost a few milliseconds where 900 promises cost tens.
 */
export function treeChangedSince(moduleDir: string, entries: readonly DepEntry[], depTime: number): boolean {
  const dirs = new Set<string>();
  for (const e of entries) {
    for (let d = posix.dirname(e.relPath); d !== '.' && !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
  }
  try {
    for (const d of dirs) if (statSync(join(moduleDir, d)).mtimeMs > depTime) return true;
    let newestIndex = depTime;
    for (const name of readdirSync(moduleDir)) {
      if (name.startsWith('modules.')) newestIndex = Math.max(newestIndex, statSync(join(moduleDir, name)).mtimeMs);
    }
    return statSync(moduleDir).mtimeMs > newestIndex + 1000;
  } catch {
    return true; // a directory vanished: the slow path says what
  }
}

/** The host's depmod over BASEDIR/lib/modules/KV (baseDir "/" for the running system's tree). */
export async function runDepmod(baseDir: string, kv: string, log?: Logger): Promise<void> {
  await run('depmod', ['-b', baseDir, kv], {
    log,
    what: `depmod -b ${baseDir} ${kv}`,
    hint: `check that ${join(baseDir, 'lib/modules', kv)} holds the modules of kernel ${kv} and that kmod can read their compression`,
  });
}
