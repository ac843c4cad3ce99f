import type { BuildContext } from '../context.js';
import { acquireBootLock, type AcquireOptions } from './boot-lock.js';
import { removeOwnInstallTemps } from './install-temps.js';

/**
 * Takes the boot dir lock for a run that will write it, and arranges for everything this run
 * could leave there to go when it ends in any way (success, error, SIGINT/SIGTERM, a crash that
 * still reaches process exit): our install temp files, then the lock. Both go to the front of
 * ctx.cleanups, which runs newest first, so they are the last things undone — after every
 * stage's own cleanup.
 */
export function holdBootDir(ctx: BuildContext, opts: AcquireOptions = {}): void {
  const s = ctx.settings;
  if (ctx.dryRun || !s.INSTALL) return;
  const bootdir = ctx.paths.bootdir;
  const lock = acquireBootLock(bootdir, { note: (t) => ctx.log.warn(t), ...opts });
  ctx.log.debug(`holding ${lock.path}`, 3);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    removeOwnInstallTemps(bootdir);
    lock.release();
    process.removeListener('exit', release);
  };
  process.on('exit', release);
  ctx.cleanups.unshift(release);
}
