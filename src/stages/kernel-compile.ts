import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import type { Stage } from '../pipeline.js';
import { kernelFactsFromTree } from './resolve-kernel.js';
import { kernelMake, kernelTree } from '../kernel/kernel-make.js';
import { compileKernel } from '../kernel/compile-kernel.js';
import { kernelImageTarget } from '../kernel/image-target.js';
import { stripKernelImage } from '../kernel/strip-kernel.js';

/**
 * Compile: `make <image> modules` under nice with MAKEOPTS. The full output goes to the log
 * file; the terminal gets one rewritten progress line; a failure shows the compiler's error.
 * Afterwards the final KV (include/config/kernel.release) refreshes ctx.kernel, and the built
 * image and System.map are recorded in ctx.outputs for the install stage.
 */
export const kernelCompileStage: Stage = {
  name: 'kernel-compile',
  describe: 'compile the kernel image and its modules',
  enabled: (ctx) => !ctx.dryRun && !ctx.kernelFromCache,
  async run(ctx) {
    const tree = kernelTree(ctx.settings);
    const configured = need(ctx, 'kernel');
    if (ctx.settings.CLEAN) await kernelMake(ctx, tree, ['clean'], { heavy: true });

    const image = await kernelImageTarget(ctx, tree);
    // `tsgenkernel bzImage` builds the image alone, as genkernel's bzImage does.
    const withModules = ctx.command !== 'bzImage' && configured.config.enabled('MODULES');
    const targets = [image.target, ...(withModules ? ['modules'] : [])];
    await compileKernel(ctx, tree, targets);

    ctx.kernel = await kernelFactsFromTree(tree, ctx.settings);
    const systemMap = join(tree.outputDir, 'System.map');
    for (const built of [image.binary, systemMap]) {
      if (!existsSync(built)) {
        throw new GkError(`the kernel build finished but ${built} is missing`, `run 'make ${targets.join(' ')}' in the tree by hand and check its output${ctx.settings.KERNEL_BINARY_OVERRIDE ? ', or correct --kernel-binary' : ''}`);
      }
    }
    const strip = ctx.settings.STRIP_TYPE === 'kernel' || ctx.settings.STRIP_TYPE === 'all';
    ctx.outputs.kernelImage = strip ? await stripKernelImage(ctx, image.binary) : image.binary;
    ctx.outputs.systemMap = systemMap;
    return `${ctx.kernel.version}, ${basename(image.binary)} ${(statSync(ctx.outputs.kernelImage).size / 1048576).toFixed(1)} MiB`;
  },
};
