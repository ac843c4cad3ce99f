import { readFile } from 'node:fs/promises';
import type { Stage } from '../pipeline.js';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { defaultsPath } from '../config/settings.js';
import { groupModules, moduleGroups } from '../kmod/module-groups.js';
import { loadModuleIndex } from '../kmod/module-index.js';
import { resolveModules } from '../kmod/resolver.js';
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
    for (const name of plan.missing) ctx.log.warnOnce(`module:${name}`, `module ${name} is not in ${kernel.moduleDir}; it is left out`);
    ctx.modules = plan;
    return `${plan.modules.length} modules (${plan.builtin.length} built in, ${plan.missing.length} not found)`;
  },
};
