import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { checkModuleIndex, depmodNeeded, runDepmod } from '../kmod/index-health.js';

/**
 * Makes sure the kernel's own module indexes exist and match the files on disk before anything
 * is selected from them. depmod runs only when modules.dep is missing or older than a module,
 * and only after the compression check has passed, so a tree it cannot read is never touched.
 */
export const depmodStage: Stage = {
  name: 'depmod',
  describe: 'index the module tree when its modules.dep is missing or stale, then check it',
  enabled: (ctx) => ctx.settings.RAMDISKMODULES && need(ctx, 'kernel').config.enabled('MODULES'),
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    let detail = 'indexes up to date';
    if (await depmodNeeded(kernel.moduleDir)) {
      if (ctx.dryRun) return 'would run depmod (indexes missing or stale)';
      await runDepmod(ctx.settings.KERNEL_MODULES_PREFIX || '/', kernel.version, ctx.log);
      detail = 'depmod ran';
    }
    await checkModuleIndex(kernel.moduleDir, kernel.moduleCompression);
    return detail;
  },
};
