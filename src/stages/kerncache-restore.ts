import { resolve } from 'node:path';
import { GkError } from '../errors.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { judgeKerncache } from '../package/kerncache.js';
import type { Stage } from '../pipeline.js';
import { restoreKernel } from './kerncache.js';

/**
 * --no-kernel-sources: the kernel comes from a valid --kerncache instead of a build, as in
 * genkernel. Only the architecture and completeness can be checked (there are no sources to
 * compare); anything else is one line and nothing is touched. The module tree is unpacked
 * beside the live one and swapped in whole; kernel, System.map and config go to the temp dir
 * for kernel-install.
 */
export const kerncacheRestoreStage: Stage = {
  name: 'kerncache-restore',
  commit: true,
  describe: 'take the kernel and its modules from --kerncache (--no-kernel-sources)',
  enabled: (ctx) => !ctx.settings.KERNEL_SOURCES,
  async run(ctx) {
    const path = ctx.settings.KERNCACHE;
    if (!path) throw new GkError('--no-kernel-sources needs a kernel cache to take the kernel from', 'pass --kerncache=ARCHIVE written by an earlier `tsgenkernel all --kerncache=ARCHIVE`');
    const verdict = await judgeKerncache(resolve(path), { arch: hostMachine(), noSources: true });
    if (!verdict.use) throw new GkError(verdict.reason.replace(/; building normally$/, ''), 'with --no-kernel-sources there is nothing to build from: give a valid --kerncache, or drop --no-kernel-sources');
    const detail = await restoreKernel(ctx, verdict, path);
    ctx.log.info(`valid kerncache ${path} found: no sources used, kernel ${ctx.kernel!.version} restored`);
    return detail;
  },
};
