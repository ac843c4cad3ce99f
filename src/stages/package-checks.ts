import type { Stage } from '../pipeline.js';
import { checkArchiveDir } from '../package/tar-archive.js';
import { checkKerncachePath } from './kerncache.js';
import { wantedArchives } from './packages.js';

/**
 * Right after preflight: an archive path in a directory that does not exist, with an unknown
 * suffix, or needing a compressor the host lacks fails here, before an hour of compiling.
 */
export const packageChecksStage: Stage = {
  name: 'package-checks',
  describe: 'check that --minkernpackage / --modulespackage / --kerncache can be written',
  enabled: (ctx) => wantedArchives(ctx).length > 0 || !!ctx.settings.KERNCACHE,
  async run(ctx) {
    for (const a of wantedArchives(ctx)) await checkArchiveDir(a);
    await checkKerncachePath(ctx);
  },
};
