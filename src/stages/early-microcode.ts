import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { buildEarlyMicrocode, type MicrocodeChoice } from '../firmware/microcode.js';

/**
 * --microcode-initramfs: builds ctx.earlyImage, the uncompressed archive the writer puts in
 * front of the main one. Missing ucode directories are a warning, not an error: most build
 * hosts only have their own vendor's package, and a kernel boots fine without updates.
 */
export const earlyMicrocodeStage: Stage = {
  name: 'early-microcode',
  describe: 'build the uncompressed early microcode archive',
  enabled: (ctx) => ctx.settings.MICROCODE_INITRAMFS && ctx.settings.MICROCODE !== 'none' && ctx.settings.MICROCODE !== '' && !ctx.dryRun,
  async run(ctx) {
    const choice = ctx.settings.MICROCODE as MicrocodeChoice;
    const config = need(ctx, 'kernel').config;
    const fwDir = ctx.settings.FIRMWARE_DIR;
    if (!config.builtin('MICROCODE')) {
      ctx.log.warnOnce('microcode:config', 'the kernel has no CONFIG_MICROCODE=y, so it cannot load early microcode: no early archive');
      return 'kernel cannot load it';
    }
    const early = await buildEarlyMicrocode(fwDir, choice);
    if (early.absent.length > 0) {
      const dirs = early.absent.map((v) => `${fwDir}/${v === 'intel' ? 'intel-ucode' : 'amd-ucode'}`).join(' and ');
      ctx.log.warnOnce('microcode:absent', `no microcode in ${dirs} (packages intel-microcode / amd64-microcode)${early.tree ? '' : ': no early archive is built'}`);
    }
    for (const b of early.blobs) {
      for (const f of b.skipped) ctx.log.debug(`microcode: ${f} is not a ${b.vendor} microcode file, left out`, 3);
    }
    if (!early.tree) return 'none found';
    ctx.earlyImage = early.tree;
    return early.blobs.map((b) => `${b.vendor} ${b.files.length} files ${(b.data.length / 1024).toFixed(0)} KiB`).join(', ');
  },
};
