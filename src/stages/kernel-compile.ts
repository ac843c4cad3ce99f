import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import type { Stage } from '../pipeline.js';
import { CompileProgress } from '../kernel/compile-progress.js';
import { kernelFactsFromTree } from './resolve-kernel.js';
import { kernelMake, kernelTree, type KernelTree } from '../kernel/kernel-make.js';

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

    const image = await imageName(ctx, tree);
    // `tsgenkernel bzImage` builds the image alone, as genkernel's bzImage does.
    const withModules = ctx.command !== 'bzImage' && configured.config.enabled('MODULES');
    const targets = [basename(image), ...(withModules ? ['modules'] : [])];
    await compile(ctx, tree, targets);

    ctx.kernel = await kernelFactsFromTree(tree, ctx.settings);
    const kernelImage = join(tree.outputDir, image);
    const systemMap = join(tree.outputDir, 'System.map');
    for (const built of [kernelImage, systemMap]) {
      if (!existsSync(built)) {
        throw new GkError(`the kernel build finished but ${built} is missing`, `run 'make ${targets.join(' ')}' in the tree by hand and check its output`);
      }
    }
    ctx.outputs.kernelImage = kernelImage;
    ctx.outputs.systemMap = systemMap;
    return `${ctx.kernel.version}, ${basename(image)} ${(statSync(kernelImage).size / 1048576).toFixed(1)} MiB`;
  },
};

/** The image this arch builds, as the kernel names it (arch/x86/boot/bzImage), relative to the output dir. */
async function imageName(ctx: BuildContext, tree: KernelTree): Promise<string> {
  const res = await kernelMake(ctx, tree, ['-s', 'image_name'], { allowFailure: true });
  const name = res.stdout.trim().split('\n').pop()?.trim();
  return res.exitCode === 0 && name ? name : 'arch/x86/boot/bzImage';
}

async function compile(ctx: BuildContext, tree: KernelTree, targets: string[]): Promise<void> {
  const progress = new CompileProgress();
  let shownAt = 0;
  const res = await kernelMake(ctx, tree, targets, {
    heavy: true,
    allowFailure: true,
    onLine: (line) => {
      if (!progress.onLine(line)) return;
      // A rewrite per line would flood a slow terminal; ten a second reads as live.
      const now = Date.now();
      if (now - shownAt < 100) return;
      shownAt = now;
      ctx.log.progress(`compiling ${progress.text()}`);
    },
  });
  ctx.log.clearProgress();
  if (res.exitCode !== 0) {
    const where = ctx.log.logFile ? ` (full output in ${ctx.log.logFile})` : '';
    throw new GkError(
      `kernel compile failed: make ${targets.join(' ')} exited with ${res.exitCode} after ${progress.steps} steps${where}:\n${progress.failureLines().join('\n')}`,
      'fix the error above (a config option or the sources), then run again',
    );
  }
}
