import { constants } from 'node:fs';
import { chmod, copyFile, link, open, rename, rm, stat, symlink, readlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { GkError } from '../errors.js';

/**
 * Installs `source` as `dir/name` so that at every instant `dir/name` is either the complete old
 * file or the complete new one, and the previous generation survives as `name.old`:
 *   1. copy into a temp file in the same directory and fsync it (a full disk fails here, with
 *      the old file untouched);
 *   2. hard-link the current file to name.old (replacing the previous .old);
 *   3. rename the temp file over name (atomic within one filesystem);
 *   4. fsync the directory so the rename survives a power cut.
 * With `mode`, the new file and the .old get that mode (an image holding keys is 0600, and so
 * is the previous one, which may hold the same keys); filesystems without modes (vfat) keep theirs.
 */
export async function installAtomically(source: string, dir: string, name: string, opts: { keepOld?: boolean; mode?: number } = {}): Promise<string> {
  const dest = join(dir, name);
  const tmp = join(dir, `.${name}.tsgk-${process.pid}.tmp`);
  try {
    await copyFile(source, tmp);
    const fh = await open(tmp, 'r+');
    try {
      if (opts.mode !== undefined) await fh.chmod(opts.mode).catch(() => undefined);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.keepOld !== false && (await exists(dest))) {
      const old = `${dest}.old`;
      await rm(old, { force: true });
      await link(dest, old).catch(async () => copyFile(dest, old, constants.COPYFILE_FICLONE));
      if (opts.mode !== undefined) await chmod(old, opts.mode).catch(() => undefined);
    }
    await rename(tmp, dest);
    await syncDir(dir);
  } catch (err) {
    await rm(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOSPC') {
      throw new GkError(`no space left in ${dir} while installing ${name}; the previous ${name} is untouched`, `free space in ${dir} (old kernels, *.old files) and run again`);
    }
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') {
      throw new GkError(`cannot write ${dest}: ${e.code}`, `run as root, or mount ${dir} read-write`);
    }
    throw err;
  }
  return dest;
}

/**
 * --no-install: a result leaves the run's temp dir (removed at exit) for `dir`/`name` in TMPDIR,
 * where the user can pick it up; a rename when both are on one filesystem, a copy otherwise.
 */
export async function keepOutsideTemp(source: string, dir: string, name: string): Promise<string> {
  const kept = join(dir, name);
  await rename(source, kept).catch(async () => {
    await copyFile(source, kept);
    await rm(source, { force: true });
  });
  return kept;
}

/** Points `dir/name` at `target` (relative to dir) atomically, keeping the previous target as name.old. */
export async function installSymlink(dir: string, name: string, target: string): Promise<void> {
  const dest = join(dir, name);
  const previous = await readlink(dest).catch(() => undefined);
  if (previous === target) return;
  if (previous !== undefined) await replaceSymlink(dir, `${name}.old`, previous);
  await replaceSymlink(dir, name, target);
}

async function replaceSymlink(dir: string, name: string, target: string): Promise<void> {
  const tmp = join(dir, `.${name}.tsgk-${process.pid}.lnk`);
  await unlink(tmp).catch(() => undefined);
  await symlink(target, tmp);
  await rename(tmp, join(dir, name));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch {
    // Some filesystems (vfat /boot) refuse fsync on a directory; the rename is still done.
  } finally {
    await fh.close();
  }
}

/**
 * Temp files in the boot dir are `.NAME.tsgk-PID.tmp` (files) and `.NAME.tsgk-PID.lnk` (links), so
 * an interrupted run's leftovers can be recognised; `pid` undefined matches any run's.
 */
export function installTempPattern(pid?: number): RegExp {
  return new RegExp(`^\\..+\\.tsgk-${pid ?? '\\d+'}\\.(tmp|lnk)$`);
}
