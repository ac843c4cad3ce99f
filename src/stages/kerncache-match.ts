import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { need } from '../context.js';
import { configDigest, judgeKerncache } from '../package/kerncache.js';
import type { Stage } from '../pipeline.js';
import { restoreKernel, toolchain } from './kerncache.js';

/**
 * After configure (the effective config, options forced): when --kerncache holds a build of the
 * same source version, config digest, toolchain and arch, the compile is skipped and the cache
 * restored; anything else is one line saying why, then the normal build. A cache that cannot
 * be unpacked fails before anything live is touched (unpack goes to a temp dir first).
 */
export const kerncacheMatchStage: Stage = {
  name: 'kerncache-match',
  commit: true,
  describe: 'skip the compile when --kerncache holds this very build',
  enabled: (ctx) => !!ctx.settings.KERNCACHE && ctx.settings.KERNEL_SOURCES && !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const path = resolve(ctx.settings.KERNCACHE);
    const wanted = { arch: kernel.arch, sourceVersion: kernel.version, configDigest: configDigest(await readFile(kernel.configPath, 'utf8')), toolchain: await toolchain(ctx) };
    const verdict = await judgeKerncache(path, wanted);
    if (!verdict.use) {
      ctx.log.warn(verdict.reason);
      return 'no match: compiling';
    }
    const detail = await restoreKernel(ctx, verdict, path);
    ctx.log.info(`valid kerncache ${path} matches sources, config and toolchain: kernel compile skipped`);
    return `compile skipped, ${detail}`;
  },
};
