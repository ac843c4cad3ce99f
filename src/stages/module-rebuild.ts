import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { haveCommand, run } from '../exec.js';

/**
 * What genkernel runs once the kernel and its modules are installed: Portage's @module-rebuild
 * (out-of-tree modules for the new kernel). The user's command line runs through `sh -c` with KV
 * in the environment.
 */
export const moduleRebuildStage: Stage = {
  name: 'module-rebuild',
  describe: 'rebuild out-of-tree modules with MODULEREBUILD_CMD (Portage hosts)',
  enabled: (ctx) => ctx.settings.MODULEREBUILD && !ctx.dryRun,
  async run(ctx) {
    // genkernel's rule: only where Portage can do it; elsewhere a clear skip, not an error.
    if (!(await haveCommand('emerge'))) return 'skipped: no emerge on this host (not a Portage system)';
    const cmd = ctx.settings.MODULEREBUILD_CMD;
    await run('sh', ['-c', cmd], { log: ctx.log, env: { KV: need(ctx, 'kernel').version }, what: `module rebuild (${cmd})`, hint: 'fix the failing package, or pass --no-module-rebuild' });
    return cmd;
  },
};
