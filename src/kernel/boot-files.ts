import { existsSync } from 'node:fs';
import { rename, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';
import { installAtomically } from '../install/atomic-install.js';

export interface BootFile {
  source: string;
  name: string;
}

/**
 * Installs several files into the boot dir as one unit: free space is checked for all of them
 * first, each goes in atomically keeping one .old generation, and if one fails the ones already
 * installed are put back (name.old renamed over name, or the new file removed), so a failure
 * leaves the boot dir with the previous kernel set.
 */
export async function installBootFiles(dir: string, files: readonly BootFile[]): Promise<string[]> {
  await checkFreeSpace(dir, files);
  const done: Array<{ dest: string; hadPrevious: boolean }> = [];
  try {
    for (const f of files) {
      const dest = join(dir, f.name);
      const hadPrevious = existsSync(dest);
      await installAtomically(f.source, dir, f.name);
      done.push({ dest, hadPrevious });
    }
  } catch (err) {
    for (const d of done.reverse()) {
      if (d.hadPrevious) await rename(`${d.dest}.old`, d.dest).catch(() => undefined);
      else await rm(d.dest, { force: true });
    }
    throw err;
  }
  return done.map((d) => d.dest);
}

async function checkFreeSpace(dir: string, files: readonly BootFile[]): Promise<void> {
  let needed = 0;
  for (const f of files) needed += (await stat(f.source)).size;
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  // Temp copies exist beside the old files until the rename, so the full new size must fit.
  if (free < needed + 1024 * 1024) {
    throw new GkError(
      `${dir} has ${(free / 1048576).toFixed(1)} MiB free but the kernel files need ${(needed / 1048576).toFixed(1)} MiB`,
      `free space in ${dir} (old kernels, *.old files) and run again; nothing was changed`,
    );
  }
}
