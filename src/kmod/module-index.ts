import { builtinValues, loadBuiltinModinfo, type BuiltinModinfo } from './builtin-modinfo.js';
import { AliasTable, loadModulesAlias } from './modules-alias.js';
import { loadModulesBuiltin } from './modules-builtin.js';
import { loadModulesDep, type DepEntry } from './modules-dep.js';
import { DEFAULT_MODPROBE_DIRS, loadModprobeSoftdeps, loadModulesSoftdep, mergeSoftdeps, type Softdep } from './softdep.js';

/** Everything the resolver needs from one module tree, read once. */
export interface ModuleIndex {
  moduleDir: string;
  /** modules.dep entries by module name. */
  modules: Map<string, DepEntry>;
  /** Module name of each modules.dep path (dependencies are listed by path). */
  nameOfPath: Map<string, string>;
  aliases: AliasTable;
  /** modules.softdep merged with modprobe.d softdep lines. */
  softdeps: Map<string, Softdep>;
  /** Names from modules.builtin. */
  builtin: Set<string>;
  builtinModinfo: BuiltinModinfo;
  /** alias= records of builtin drivers (so "crypto-crc32c" counts as satisfied when crc32c is built in). */
  builtinAliases: AliasTable;
  /** Every loadable module name, in modules.dep order (--all-ramdisk-modules). */
  allModuleNames(): string[];
}

export interface LoadIndexOptions {
  /** modprobe.d directories whose softdep lines count; [] ignores the host's configuration. */
  modprobeDirs?: readonly string[];
}

export async function loadModuleIndex(moduleDir: string, opts: LoadIndexOptions = {}): Promise<ModuleIndex> {
  const [deps, aliasLines, moduleSoftdeps, configSoftdeps, builtin, builtinModinfo] = await Promise.all([
    loadModulesDep(moduleDir),
    loadModulesAlias(moduleDir),
    loadModulesSoftdep(moduleDir),
    loadModprobeSoftdeps(opts.modprobeDirs ?? DEFAULT_MODPROBE_DIRS),
    loadModulesBuiltin(moduleDir),
    loadBuiltinModinfo(moduleDir),
  ]);
  const modules = new Map<string, DepEntry>();
  const nameOfPath = new Map<string, string>();
  for (const e of deps) {
    // depmod lists each name once; if a hand-edited file repeats one, the first wins as in kmod.
    if (!modules.has(e.name)) modules.set(e.name, e);
    nameOfPath.set(e.relPath, e.name);
  }
  const builtinAliases = new AliasTable(builtinValues(builtinModinfo, 'alias').map((a) => ({ pattern: a.value, module: a.module })));
  return {
    moduleDir,
    modules,
    nameOfPath,
    aliases: new AliasTable(aliasLines),
    softdeps: mergeSoftdeps(moduleSoftdeps, configSoftdeps),
    builtin,
    builtinModinfo,
    builtinAliases,
    allModuleNames: () => [...modules.keys()],
  };
}
