import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import type { BuildContext } from '../context.js';
import { need, report } from '../context.js';
import { defaultsPath } from '../config/settings.js';
import { groupModules, moduleGroups } from '../kmod/module-groups.js';
import { loadModuleIndex } from '../kmod/module-index.js';
import { resolveModules } from '../kmod/resolver.js';
import { modprobeSourceDirs } from '../kmod/host-modprobe-conf.js';
import { enabledFeatures } from '../features/registry.js';
import { hostOnlyModules } from '../hostonly/host-only.js';
import { checkExplicitModules } from '../kmod/requested-modules.js';
import { requireSelectedIndexed } from '../kmod/index-guard.js';
import { imageCarriesModules } from './resolve-kernel.js';
import { mountTimeNeedsOf } from '../kmod/mount-time-modules.js';
import { cachedPlan, planKey, planToStore } from '../kmod/plan-cache.js';
import type { ModulePlan } from '../kmod/types.js';

/** What the user asked for: genkernel's groups (with conf overrides) plus what features need. */
export async function requestedModules(ctx: BuildContext, groupsText: string): Promise<string[]> {
  const fromGroups = groupModules(moduleGroups(groupsText), ctx.moduleGroupOverrides);
  return [...new Set([...fromGroups, ...featureModules(ctx, groupsText)])];
}

/** Modules the enabled features need; a feature may name a group ("MODULES_NET") or a module. */
function featureModules(ctx: BuildContext, groupsText: string): string[] {
  const groups = moduleGroups(groupsText);
  return enabledFeatures(ctx)
    .flatMap((f) => f.modules?.(ctx) ?? [])
    .flatMap((n) => (groups.has(n) ? groupModules(new Map([[n, groups.get(n)!]]), overridesOf(ctx, n)) : [n]));
}

/** The conf's MODULES_X / AMODULES_X for one group only (other overrides would add their groups). */
function overridesOf(ctx: BuildContext, group: string): Map<string, string> {
  return new Map([...ctx.moduleGroupOverrides].filter(([k]) => k === group || k === `A${group}`));
}

export const selectModulesStage: Stage = {
  name: 'select-modules',
  describe: 'expand module groups and resolve aliases, dependencies and soft dependencies',
  enabled: imageCarriesModules,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const modprobeDirs = await modprobeSourceDirs(ctx.settings.MODPROBEDIR);
    const groupsText = await readFile(defaultsPath('modules_load'), 'utf8');
    // --hostonly asks the running machine, which no key covers: it is resolved every time.
    const asked = ctx.settings.ALLRAMDISKMODULES ? 'all' : ctx.settings.HOSTONLY ? undefined : await requestedModules(ctx, groupsText);
    const cacheDir = join(ctx.paths.cache, 'module-plans');
    const key = asked && planKey({ moduleDir: kernel.moduleDir, kv: kernel.version, requested: asked, configPath: kernel.configPath, modprobeDirs });
    const cached = key ? cachedPlan(cacheDir, key) : undefined;
    if (cached && 'rejected' in cached && cached.rejected) ctx.log.warn(`a cached module plan in ${cacheDir} failed the trust rule; resolved again`);
    let plan = cached?.plan;
    if (!plan) {
      plan = await resolvePlan(ctx, asked, groupsText, modprobeDirs);
      // Stored once a build stages it (copy-modules): a dry run or `check` writes nothing.
      if (key) planToStore(plan, cacheDir, key);
    }
    checkExplicitModules(ctx.moduleGroupOverrides, plan.missing, kernel.moduleDir);
    requireSelectedIndexed(kernel.moduleDir, kernel.version, ctx.settings.KERNEL_MODULES_PREFIX, plan.modules.map((m) => m.relPath));
    const shipped = ctx.settings.HOSTONLY ? new Set<string>() : shippedOnly(ctx, groupsText);
    const quiet = plan.missing.filter((m) => shipped.has(m));
    if (quiet.length) ctx.log.debug(`not built by this kernel, left out (shipped module groups): ${quiet.join(' ')}`, 2);
    warnMissing(ctx, plan.missing.filter((m) => !shipped.has(m)), kernel.moduleDir);
    plan.modprobeDirs = modprobeDirs;
    ctx.modules = plan;
    return `${plan.modules.length} modules (${plan.builtin.length} built in, ${plan.missing.length} not found)${cached?.plan ? ', plan from the cache' : ''}`;
  },
};

/** Reads the kernel's indexes and resolves what was asked for (or, for --hostonly, what this machine uses). */
async function resolvePlan(ctx: BuildContext, asked: readonly string[] | 'all' | undefined, groupsText: string, modprobeDirs: string[]): Promise<ModulePlan> {
  const kernel = need(ctx, 'kernel');
  const index = await loadModuleIndex(kernel.moduleDir, { modprobeDirs });
  const requested =
    asked === 'all'
      ? index.allModuleNames()
      : (asked ?? [...new Set([...(await hostOnlyModules({ moduleDir: kernel.moduleDir, index, log: ctx.log })), ...featureModules(ctx, groupsText)])]);
  let plan = resolveModules(index, requested);
  // What the selected filesystems load by name while mounting (vfat: its nls charsets).
  const mountNeeds = mountTimeNeedsOf(kernel.config, new Set(plan.modules.map((m) => m.name)));
  const extra = [...mountNeeds.values()].flat();
  if (extra.length > 0) plan = resolveModules(index, [...requested, ...extra]);
  plan.mountTimeNeeds = mountNeeds;
  return plan;
}

/**
 * Names that only the shipped groups (defaults/modules_load) ask for. Those groups list drivers for
 * every kind of machine and kernel, so a kernel without one of them is normal and not the user's
 * problem: such a name is left out at debug level. A name the user wrote (MODULES_*, AMODULES_*;
 * those stop the build when missing) or a feature names itself still warns.
 */
function shippedOnly(ctx: BuildContext, groupsText: string): Set<string> {
  const groups = moduleGroups(groupsText);
  const own = new Set(enabledFeatures(ctx).flatMap((f) => f.modules?.(ctx) ?? []).filter((n) => !groups.has(n)));
  return new Set([...groups.values()].flat().filter((n) => !own.has(n)));
}

/**
 * One grouped line, not a line per module, for what a feature or --hostonly asks for and the
 * kernel lacks: a wall of warnings hides the one that matters. The full list is at --loglevel 3.
 */
function warnMissing(ctx: BuildContext, missing: readonly string[], moduleDir: string): void {
  if (missing.length === 0) return;
  const shown = missing.slice(0, 6).join(', ') + (missing.length > 6 ? `, … (${missing.length - 6} more, see --loglevel=3)` : '');
  const what = missing.length === 1 ? `module ${shown} is` : `${missing.length} modules asked for are`;
  report(ctx, {
    text: `${what} not built for this kernel (neither in ${moduleDir} nor built in)${missing.length === 1 ? ' and is left out' : `, left out: ${shown}`}`,
    hint: 'the image is built without them; enable them in the kernel if a feature or this machine needs them',
  });
  if (missing.length > 6) ctx.log.debug(`not found: ${missing.join(' ')}`, 3);
}
