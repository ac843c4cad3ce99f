import { readFile } from 'node:fs/promises';
import type { Stage } from '../pipeline.js';
import type { BuildContext } from '../context.js';
import { need, report } from '../context.js';
import { defaultsPath } from '../config/settings.js';
import { groupModules, moduleGroups } from '../kmod/module-groups.js';
import { loadModuleIndex } from '../kmod/module-index.js';
import { resolveModules } from '../kmod/resolver.js';
import { renderSoftdeps } from '../kmod/softdep.js';
import { enabledFeatures } from '../features/registry.js';
import { hostOnlyModules } from '../hostonly/host-only.js';
import { checkExplicitModules } from '../kmod/requested-modules.js';
import { requireSelectedIndexed } from '../kmod/index-guard.js';
import { imageCarriesModules } from './resolve-kernel.js';

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
    const index = await loadModuleIndex(kernel.moduleDir);
    const groupsText = await readFile(defaultsPath('modules_load'), 'utf8');
    const requested = ctx.settings.ALLRAMDISKMODULES
      ? index.allModuleNames()
      : ctx.settings.HOSTONLY
        ? [...new Set([...(await hostOnlyModules({ moduleDir: kernel.moduleDir, index, log: ctx.log })), ...featureModules(ctx, groupsText)])]
        : await requestedModules(ctx, groupsText);
    const plan = resolveModules(index, requested);
    checkExplicitModules(ctx.moduleGroupOverrides, plan.missing, kernel.moduleDir);
    requireSelectedIndexed(kernel.moduleDir, kernel.version, ctx.settings.KERNEL_MODULES_PREFIX, plan.modules.map((m) => m.relPath));
    warnMissing(ctx, plan.missing, kernel.moduleDir);
    plan.modprobeConf = renderSoftdeps(index.configSoftdeps);
    ctx.modules = plan;
    return `${plan.modules.length} modules (${plan.builtin.length} built in, ${plan.missing.length} not found)`;
  },
};

/**
 * One grouped line, not a line per module: a generic group list names drivers some kernels do not
 * build, and a wall of warnings hides the one that matters. The full list is at --loglevel 3.
 */
function warnMissing(ctx: BuildContext, missing: readonly string[], moduleDir: string): void {
  if (missing.length === 0) return;
  const shown = missing.slice(0, 6).join(', ') + (missing.length > 6 ? `, … (${missing.length - 6} more, see --loglevel=3)` : '');
  const what = missing.length === 1 ? 'module of the module groups is' : `${missing.length} modules of the module groups are`;
  report(ctx, {
    text: `${what} not built for this kernel (neither in ${moduleDir} nor built in), left out: ${shown}`,
    hint: 'genkernel leaves them out too; drop them from MODULES_* if this kernel has no such module',
  });
  if (missing.length > 6) ctx.log.debug(`not found: ${missing.join(' ')}`, 3);
}
