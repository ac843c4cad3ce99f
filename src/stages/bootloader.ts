import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { haveCommand, run } from '../exec.js';

/**
 * genkernel's --bootloader=grub2: after the kernel is installed, regenerate GRUB 2's menu with
 * grub-mkconfig (grub2-mkconfig on some distributions) into BOOTDIR/grub/grub.cfg. A host
 * without GRUB gets a clear skip line rather than an error.
 */
export const bootloaderStage: Stage = {
  name: 'bootloader',
  describe: 'regenerate grub.cfg with grub-mkconfig (--bootloader=grub2)',
  enabled: (ctx) => ctx.settings.BOOTLOADER === 'grub2' && ctx.settings.INSTALL && !ctx.dryRun,
  async run(ctx) {
    const tool = (await haveCommand('grub-mkconfig')) ? 'grub-mkconfig' : (await haveCommand('grub2-mkconfig')) ? 'grub2-mkconfig' : undefined;
    if (!tool) return 'skipped: neither grub-mkconfig nor grub2-mkconfig is installed';
    const cfg = join(ctx.paths.bootdir, 'grub', 'grub.cfg');
    await run(tool, ['-o', cfg], { log: ctx.log, what: `${tool} -o ${cfg}`, hint: 'fix the GRUB configuration (/etc/default/grub), or drop --bootloader' });
    return `${tool} -o ${cfg}`;
  },
};
