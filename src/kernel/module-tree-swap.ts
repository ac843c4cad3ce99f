import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What `make modules_install` writes (and rewrites) in lib/modules/KV; everything else came from elsewhere. */
function writtenByKbuild(name: string): boolean {
  return name === 'kernel' || name === 'build' || name === 'source' || name.startsWith('modules.');
}

/**
 * Out-of-tree modules (extra/, updates/, dkms) that sit in the module dir being replaced are
 * copied into the staged one, so replacing the dir does not lose them, as modules_install
 * (which only clears kernel/) would not. Copies, so the live dir stays intact until the swap.
 */
export async function carryOverForeignEntries(liveDir: string, stagedDir: string): Promise<string[]> {
  if (!existsSync(liveDir)) return [];
  const carried: string[] = [];
  for (const name of await readdir(liveDir)) {
    if (writtenByKbuild(name) || existsSync(join(stagedDir, name))) continue;
    await cp(join(liveDir, name), join(stagedDir, name), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    carried.push(name);
  }
  return carried;
}

/**
 * Puts `stagedDir` in place of `liveDir` with two renames in one filesystem: the old tree moves
 * aside, the new one moves in, the old one is deleted. If the second rename fails the old tree
 * goes back, so the module tree is always a complete one.
 */
export async function swapModuleDir(stagedDir: string, liveDir: string): Promise<void> {
  const aside = `${liveDir}.tsgk-old-${process.pid}`;
  const hadLive = existsSync(liveDir);
  await mkdir(dirname(liveDir), { recursive: true });
  if (hadLive) await rename(liveDir, aside);
  try {
    await rename(stagedDir, liveDir);
  } catch (err) {
    if (hadLive) await rename(aside, liveDir);
    throw err;
  }
  if (hadLive) await rm(aside, { recursive: true, force: true });
}
