import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { busyboxConfigFor } from './busybox-config.js';
import { ToolCache } from './cache.js';
import { cacheKey } from './cache-key.js';
import { compilerIdentity } from './compiler.js';
import { loadManifest, verifiedDistfile } from './manifest.js';
import { defaultRecipeSources, fetchScriptPath } from './paths.js';
import { loadRecipe, resolveOrder } from './recipe.js';
import { RUNNER_IDENTITY, runRecipe } from './runner.js';
import { utilsToolchain, type UtilsToolchain } from './utils-toolchain.js';
import type { BuiltTool, Recipe, RecipeSources } from './types.js';

export type { BuiltTool } from './types.js';

/** Recipes whose output depends on a configuration chosen at run time; that text is in the key. */
const RECIPE_CONFIGS: Record<string, (ctx: BuildContext) => string> = {
  busybox: busyboxConfigFor,
};

export function toolCacheDir(ctx: BuildContext): string {
  return join(ctx.paths.cache, 'gkbuild');
}

/** Drops every cached tool (the distfiles, which may share CACHE_DIR, stay). */
export function clearToolCache(ctx: BuildContext): void {
  new ToolCache(toolCacheDir(ctx)).clear();
}

const clearedFor = new WeakSet<BuildContext>();

/**
 * Each named tool, with its dependencies, taken from the cache or built. Deciding a hit reads
 * only small files (recipes, patches, manifest, config) and asks `cc --version` once; tarballs
 * are checksummed only when something is actually built, and a dependency is only looked at
 * when a tool that needs it has to be built. Results are also stored in ctx.tools.
 */
export async function ensureTools(
  ctx: BuildContext,
  names: string[],
  sources: RecipeSources = defaultRecipeSources(),
): Promise<Map<string, BuiltTool>> {
  if (names.length === 0) return new Map();
  const cache = new ToolCache(toolCacheDir(ctx));
  if (ctx.settings.CLEAR_CACHEDIR && !clearedFor.has(ctx)) {
    ctx.log.info(`clearing the tool cache ${cache.dir}`, 2);
    cache.clear();
    clearedFor.add(ctx);
  }
  const manifest = loadManifest(sources.manifestPath);
  const recipes = resolveOrder((n) => loadRecipe(sources, manifest, n), names);
  const toolchain = utilsToolchain(ctx.settings);
  const compiler = await compilerIdentity(toolchain.compilerProgram);

  const keys = new Map<string, string>();
  const configs = new Map<string, string>();
  for (const r of recipes) {
    const config = RECIPE_CONFIGS[r.name]?.(ctx);
    if (config !== undefined) configs.set(r.name, config);
    keys.set(
      r.name,
      cacheKey({
        recipe: r.text,
        patches: r.patches,
        sources: [r.distfile.sha256],
        config,
        compiler,
        runner: RUNNER_IDENTITY + toolchain.identity,
        depends: Object.fromEntries(r.depends.map((d) => [d, keyOf(keys, d)])),
      }),
    );
  }

  const byName = new Map(recipes.map((r) => [r.name, r]));
  const obtained = new Map<string, Promise<BuiltTool>>();
  const obtain = (r: Recipe): Promise<BuiltTool> => {
    let p = obtained.get(r.name);
    if (!p) {
      p = (async () => {
        const key = keyOf(keys, r.name);
        const hit = cache.lookup(r.name, key, (t) => ctx.log.warn(t));
        if (hit) {
          ctx.log.info(`${r.name} ${r.version}: from the cache (${key.slice(0, 12)})`, 2);
          return hit;
        }
        // Dependencies one after another: each build already uses every core through MAKEOPTS.
        const deps: BuiltTool[] = [];
        for (const d of r.depends) deps.push(await obtain(byName.get(d)!));
        return build(ctx, cache, r, key, configs.get(r.name), deps, toolchain);
      })();
      obtained.set(r.name, p);
    }
    return p;
  };

  const result = new Map<string, BuiltTool>();
  for (const name of names) {
    const tool = await obtain(byName.get(name)!);
    result.set(name, tool);
    ctx.tools.set(name, tool);
  }
  return result;
}

function keyOf(keys: Map<string, string>, name: string): string {
  const key = keys.get(name);
  if (!key) throw new Error(`internal: no cache key computed for ${name}`);
  return key;
}

async function build(
  ctx: BuildContext,
  cache: ToolCache,
  recipe: Recipe,
  key: string,
  config: string | undefined,
  deps: BuiltTool[],
  toolchain: UtilsToolchain,
): Promise<BuiltTool> {
  const started = Date.now();
  const distfilePath = await verifiedDistfile(ctx.paths.distdir, recipe.distfile, fetchScriptPath());
  const staging = cache.stage(recipe.name, key);
  // Interrupted (SIGINT) runs drop their half-built entry; after commit this finds nothing.
  ctx.cleanups.push(() => cache.discard(staging));
  try {
    await runRecipe(ctx, {
      recipe,
      distfilePath,
      deps,
      config,
      workdir: join(ctx.paths.tmp, 'gkbuild', recipe.name),
      destdir: staging.root,
      logPath: cache.logPath(recipe.name, key),
      toolchain,
    });
  } catch (err) {
    cache.discard(staging);
    throw err;
  }
  const seconds = (Date.now() - started) / 1000;
  ctx.log.info(`built ${recipe.name} ${recipe.version} in ${seconds.toFixed(1)}s`);
  return cache.commit(staging, recipe.version, seconds);
}

/** A tool a feature declared in tools(); ensureTools has put it in ctx.tools before install(). */
export function builtTool(ctx: BuildContext, name: string): BuiltTool {
  const tool = ctx.tools.get(name);
  if (!tool) throw new Error(`internal: tool ${name} was not built before the feature that needs it was installed`);
  return tool;
}
