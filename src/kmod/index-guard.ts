import { join } from 'node:path';
import { statSync } from 'node:fs';
import { GkError } from '../errors.js';
import type { ModuleCompression } from '../kmod/compression.js';
import { checkModuleIndex, type ModuleIndexHealth } from '../kmod/index-health.js';

/**
 * An initramfs build reads the module tree and never writes it (the issue's promise, and the
 * design's: nothing is written before the last step). So an index that is missing, empty, names
 * files that are not there, points outside the tree, or is older than the modules is not
 * silently regenerated in place: the build stops and says which depmod to run. `tsgenkernel all`
 * and `kernel` still index their freshly installed modules (modules-install runs depmod on its
 * staging tree before swapping it in).
 */
export async function requireCurrentIndex(moduleDir: string, kv: string, prefix: string, compression: ModuleCompression): Promise<ModuleIndexHealth> {
  // The specific complaints first (missing, empty, ghosts, ../ escapes): checkModuleIndex only reads.
  // Its one walk of the tree also says whether the index is stale (unlisted or newer module files).
  const health = await checkModuleIndex(moduleDir, compression);
  if (health.unindexed.length > 0 || health.olderThanModules) {
    const why = health.unindexed.length
      ? `does not list ${health.unindexed.length} installed module file${health.unindexed.length > 1 ? 's' : ''} (first ${health.unindexed[0]})`
      : 'is older than module files installed since';
    throw new GkError(`${join(moduleDir, 'modules.dep')} ${why}: the module index is stale`, depmodCommand(kv, prefix));
  }
  return health;
}

function depmodCommand(kv: string, prefix: string): string {
  const base = prefix && prefix !== '/' ? `-b '${prefix.replace(/'/g, `'\\''`)}' ` : '';
  return `run \`depmod ${base}${kv}\` first (an initramfs build reads the module tree, it does not rewrite it)`;
}

/**
 * The other half of the fast index check: a module file rewritten in place (`cp` over it, as
 * modules_install does) leaves its directory's mtime alone, so the files the image will carry are
 * checked one by one — a few hundred stats, not the whole tree's four thousand.
 */
export function requireSelectedIndexed(moduleDir: string, kv: string, prefix: string, relPaths: readonly string[]): void {
  const depFile = join(moduleDir, 'modules.dep');
  const depTime = statSync(depFile).mtimeMs;
  for (const rel of relPaths) {
    let mtime: number;
    try {
      mtime = statSync(join(moduleDir, rel)).mtimeMs;
    } catch {
      throw new GkError(`${depFile} lists ${rel}, which is not installed: the module index is stale`, depmodCommand(kv, prefix));
    }
    if (mtime > depTime) throw new GkError(`${depFile} is older than ${rel}, installed since: the module index is stale`, depmodCommand(kv, prefix));
  }
}
