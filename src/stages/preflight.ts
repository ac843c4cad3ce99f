import { statfs, stat } from 'node:fs/promises';
import type { Stage } from '../pipeline.js';
import { GkError } from '../errors.js';
import { canWrite } from '../cli/build-context.js';

/**
 * Everything about the boot dir that would make the last step fail, checked before the first:
 * it exists, this user may write it (say "run as root" now, not after a compile), and it has
 * the free space --check-free-disk-space-bootdir asks for.
 */
export const preflightStage: Stage = {
  name: 'preflight',
  describe: 'check the boot dir exists, is writable and has the requested free space',
  enabled: (ctx) => ctx.settings.INSTALL && !ctx.dryRun,
  async run(ctx) {
    const dir = ctx.paths.bootdir;
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new GkError(`boot dir ${dir} does not exist`, 'create it, mount it, or pass --bootdir=DIR');
    if (!(await canWrite(dir))) {
      const who = process.getuid?.() === 0 ? '' : ' (you are not root)';
      throw new GkError(`boot dir ${dir} is not writable${who}`, 'run tsgenkernel as root, or pass --bootdir=DIR you can write, or --no-install');
    }
    const wantMb = ctx.settings.CHECK_FREE_DISK_SPACE_BOOTDIR;
    const fs = await statfs(dir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / 1048576);
    if (wantMb > 0 && freeMb < wantMb) {
      throw new GkError(`boot dir ${dir} has ${freeMb} MB free, less than the ${wantMb} MB asked for`, 'free space there (old kernels, *.old files) or lower --check-free-disk-space-bootdir');
    }
    return `${dir}: ${freeMb} MB free`;
  },
};
