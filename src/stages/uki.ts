import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import { ukiKernelImage } from '../uki/plan.js';
import { buildUki } from '../uki/build-uki.js';
import { signUki } from '../uki/sign.js';
import { espBytesNeeded, ukiRelativePath } from '../uki/esp.js';

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

/**
 * --uki, second step: stub + sections into the temp dir, signed when asked, and the ESP's room
 * checked against the real size, all before the install stages touch the boot dir.
 */
export const ukiBuildStage: Stage = {
  name: 'uki',
  describe: 'build the unified kernel image (stub, kernel, initramfs, command line, os-release)',
  enabled: (ctx) => ctx.settings.UKI && !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const plan = ctx.uki!;
    const image = ctx.outputs.image;
    if (!plan || !image) throw new Error('internal: the uki stage needs uki-check and assemble before it');
    const { name } = ukiRelativePath(plan.osId, kernel.version);
    const unsigned = join(ctx.paths.tmp, plan.sign ? `${name}.unsigned` : name);
    const kernelImage = await ukiKernelImage(ctx, kernel.version, kernel.arch);
    let bytes = await buildUki({ stub: plan.stub, kernel: kernelImage, initramfs: image.path, cmdline: plan.cmdline, osRelease: plan.osRelease, kv: kernel.version }, unsigned);
    let path = unsigned;
    if (plan.sign) {
      path = join(ctx.paths.tmp, name);
      await signUki(plan.sign, unsigned, path, ctx.log);
      await rm(unsigned, { force: true });
      bytes = (await stat(path)).size;
    }
    if (plan.esp) {
      const room = await espBytesNeeded(plan.esp, bytes, plan.osId, kernel.version);
      if (room.free < room.needed + 65536) {
        throw new GkError(`the ESP ${plan.esp} has ${mib(room.free)} free but the UKI needs ${mib(room.needed)} (the new file and a copy of the current one as .old)`, `free space on the ESP (old EFI/Linux/*.efi, *.old) and run again; nothing was installed`);
      }
    }
    ctx.outputs.uki = { path, bytes, signed: plan.sign !== undefined };
    return `${name} ${mib(bytes)}${plan.sign ? ', signed' : ''}`;
  },
};
