import { readFile } from 'node:fs/promises';
import type { Stage } from '../pipeline.js';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { defaultsPath } from '../config/settings.js';
import { groupModules, moduleGroups } from '../kmod/module-groups.js';
import { loadModuleIndex } from '../kmod/module-index.js';
import { resolveModules } from '../kmod/resolver.js';
import { renderSoftdeps } from '../kmod/softdep.js';
import { enabledFeatures } from '../features/registry.js';

/** What the user asked for: genkernel's groups (with conf overrides) plus what features need. */
export async function requestedModules(ctx: BuildContext, groupsText: string): Promise<string[]> {
  const groups = moduleGroups(groupsText);
  const fromGroups = groupModules(groups, ctx.moduleGroupOverrides);
  const fromFeatures = enabledFeatures(ctx).flatMap((f) => f.modules?.(ctx) ?? []);
  // A feature may name a group ("MODULES_CRYPTO") or a module.
  const expanded = fromFeatures.flatMap((n) => (groups.has(n) ? groupModules(new Map([[n, groups.get(n)!]]), new Map()) : [n]));
  return [...new Set([...fromGroups, ...expanded])];
}

export const selectModulesStage: Stage = {
  name: 'select modules',
  describe: 'expand module groups and resolve aliases, dependencies and soft dependencies',
  enabled: (ctx) => ctx.settings.RAMDISKMODULES && need(ctx, 'kernel').config.enabled('MODULES'),
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const index = await loadModuleIndex(kernel.moduleDir);
    const requested = ctx.settings.ALLRAMDISKMODULES
      ? index.allModuleNames()
      : await requestedModules(ctx, await readFile(defaultsPath('modules_load'), 'utf8'));
    const plan = resolveModules(index, requested);
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
  const what = missing.length === 1 ? 'module is' : `${missing.length} modules are`;
  ctx.log.warn(`${what} not in ${moduleDir} and left out: ${shown}`);
  if (missing.length > 6) ctx.log.debug(`not found: ${missing.join(' ')}`, 3);
}
