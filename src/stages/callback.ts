import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { run } from '../exec.js';

/** genkernel's CMD_CALLBACK: the user's command line after the kernel and modules, KV in its environment. */
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
