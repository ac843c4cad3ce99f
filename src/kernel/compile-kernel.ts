import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { CompileProgress } from './compile-progress.js';
import { kernelMake, type KernelTree } from './kernel-make.js';

/** make TARGETS with one rewritten progress line; a failure shows the compiler's error. */
export async function compileKernel(ctx: BuildContext, tree: KernelTree, targets: string[]): Promise<void> {
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
