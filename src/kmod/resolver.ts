import type { ModuleIndex } from './module-index.js';
import { moduleNameOfPath, normaliseModuleName } from './names.js';
import type { ModulePlan, PlannedModule } from './types.js';

export { loadModuleIndex, type LoadIndexOptions, type ModuleIndex } from './module-index.js';

export interface ResolveOptions {
  /** Follow softdep pre:/post: (default true). Off only for debugging: without them ext4 cannot mount. */
  softdeps?: boolean;
}

/** What one request names: loadable modules, builtin ones, or nothing. */
interface Lookup {
  modules: string[];
  builtin: string[];
}

/**
 * kmod's lookup order, minus symbols: a module name, then a builtin name, then modules.alias,
 * then the aliases of builtin drivers. An alias may name several modules (crypto-crc32c names
 * crc32c_intel and crc32c_generic); all are taken, as modprobe loads all of them.
 */
export function lookupModule(index: ModuleIndex, request: string): Lookup {
  const name = normaliseModuleName(request);
  if (index.modules.has(name)) return { modules: [name], builtin: [] };
  if (index.builtin.has(name)) return { modules: [], builtin: [name] };
  const viaAlias = index.aliases.lookup(request);
  const modules = viaAlias.filter((m) => index.modules.has(m));
  const builtin = viaAlias.filter((m) => !index.modules.has(m) && index.builtin.has(m));
  if (modules.length === 0 && builtin.length === 0) builtin.push(...index.builtinAliases.lookup(request));
  return { modules, builtin };
}

/**
 * The module set for the requested names or aliases: each with its modules.dep closure and its soft
 * dependencies (themselves resolved the same way), in a load order (what a module needs comes before
 * it, post: softdeps after it). Same input, same output order.
 */
export function resolveModules(index: ModuleIndex, requested: readonly string[], opts: ResolveOptions = {}): ModulePlan {
  const followSoftdeps = opts.softdeps ?? true;
  const modules: PlannedModule[] = [];
  const placed = new Set<string>();
  const builtin: string[] = [];
  const missing: string[] = [];
  const addBuiltin = (n: string) => {
    if (!builtin.includes(n)) builtin.push(n);
  };

  const visit = (name: string, requiredBy: string | undefined): void => {
    if (placed.has(name)) return;
    placed.add(name); // before recursing: softdep cycles (a pre: b, b post: a) end here
    const entry = index.modules.get(name);
    const soft = followSoftdeps ? index.softdeps.get(name) : undefined;
    const visitSoft = (names: readonly string[]) => {
      for (const s of names) {
        const found = lookupModule(index, s);
        for (const b of found.builtin) addBuiltin(b);
        for (const m of found.modules) visit(m, name);
      }
    };
    if (soft) visitSoft(soft.pre);
    // depmod lists a module's dependencies last-to-load first; walk them backwards to load in order.
    for (const depPath of [...(entry?.deps ?? [])].reverse()) {
      const depName = index.nameOfPath.get(depPath) ?? moduleNameOfPath(depPath);
      if (!index.modules.has(depName)) {
        // modules.dep names a file it has no line for: still copy it (index-health reports the tree).
        if (!placed.has(depName)) {
          placed.add(depName);
          modules.push({ name: depName, relPath: depPath, requiredBy: name });
        }
        continue;
      }
      visit(depName, name);
    }
    if (entry) modules.push({ name, relPath: entry.relPath, ...(requiredBy ? { requiredBy } : {}) });
    if (soft) visitSoft(soft.post);
  };

  const seen = new Set<string>();
  for (const raw of requested) {
    const request = raw.trim();
    if (request === '' || seen.has(request)) continue;
    seen.add(request);
    const found = lookupModule(index, request);
    for (const b of found.builtin) addBuiltin(b);
    for (const m of found.modules) visit(m, undefined);
    if (found.modules.length === 0 && found.builtin.length === 0 && !missing.includes(request)) missing.push(request);
  }
  return { modules, builtin, missing };
}
