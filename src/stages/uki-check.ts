import type { Stage } from '../pipeline.js';
import { planUki } from '../uki/plan.js';

/**
 * --uki, first step: find and check what the UKI is made of (stub, command line, ESP, signing
 * pair) before any other work, so bad input stops the run before a compile, a build or an
 * install. Runs under --dry-run too: the plan shows the command line.
 */
export const ukiCheckStage: Stage = {
  name: 'uki-check',
  describe: 'check the EFI stub, the ESP, the embedded command line and the signing key',
  enabled: (ctx) => ctx.settings.UKI && (ctx.command === 'initramfs' || ctx.command === 'all'),
  async run(ctx) {
    ctx.uki = await planUki(ctx);
    return `cmdline '${ctx.uki.cmdline}' (from ${ctx.uki.cmdlineFrom})${ctx.uki.esp ? `, ESP ${ctx.uki.esp}` : ''}${ctx.uki.sign ? ', signed' : ''}`;
  },
};
