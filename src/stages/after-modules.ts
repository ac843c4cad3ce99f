import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { haveCommand, run } from '../exec.js';

/**
 * What genkernel runs once the kernel and its modules are built and installed: Portage's
 * @module-rebuild (out-of-tree modules for the new kernel) and the user's own CMD_CALLBACK.
 * Both are the user's shell command lines, so they run through `sh -c` with KV in the environment.
 */
export const moduleRebuildStage: Stage = {
  name: 'module rebuild',
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

export const callbackStage: Stage = {
  name: 'callback',
  describe: 'run the CMD_CALLBACK command line after the kernel and modules',
  enabled: (ctx) => ctx.settings.CMD_CALLBACK !== '' && !ctx.dryRun,
  async run(ctx) {
    const cmd = ctx.settings.CMD_CALLBACK;
    await run('sh', ['-c', cmd], { log: ctx.log, env: { KV: need(ctx, 'kernel').version }, what: `--callback (${cmd})`, hint: 'fix the command, or drop --callback / CMD_CALLBACK' });
    return cmd;
  },
};
