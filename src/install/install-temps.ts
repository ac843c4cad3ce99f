import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { installTempPattern } from '../install/atomic-install.js';

/**
 * Removes the temp files an interrupted atomic install of this process left in `dir`
 * (`.NAME.tsgk-PID.tmp` / `.lnk`, see src/install/atomic-install.ts). Only our own pid's files:
 * a concurrent run cannot hold the same boot dir (the lock), but a crashed earlier run's files
 * are reported by `check`, not silently deleted. Synchronous, so it also works from an exit handler.
 */
export function removeOwnInstallTemps(dir: string, pid = process.pid): string[] {
  const pattern = installTempPattern(pid);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!pattern.test(n)) continue;
    try {
      rmSync(join(dir, n), { force: true });
      removed.push(n);
    } catch {
      // nothing more we can do on the way out
    }
  }
  return removed;
}

/** Install temp files of any (crashed) run in `dir`. */
export function leftoverInstallTemps(dir: string): string[] {
  try {
    const pattern = installTempPattern();
    return readdirSync(dir).filter((n) => pattern.test(n));
  } catch {
    return [];
  }
}
