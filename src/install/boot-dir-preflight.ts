import { access, constants, stat, statfs } from 'node:fs/promises';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { expandFilename } from './filenames.js';
import { describeOwner, lockPathFor, type LockOwner } from './boot-lock.js';
import { isSameProcessAlive } from './process-info.js';
import { leftoverInstallTemps } from './install-temps.js';
import { isTsgenkernelRun } from '../trust/lock-holder.js';
import { ownerName, trustedUids } from '../trust/owner-rule.js';

/**
 * The one boot-dir preflight, for the preflight stage (which stops at the first FAIL) and for
 * `check` (which prints every line): everything about the boot dir that would make the last step
 * fail, found before the first. Each result is named after what it is about.
 */
export interface BootDirFinding {
  status: 'ok' | 'warn' | 'FAIL';
  name: 'user' | 'boot dir' | 'free space' | 'lock' | 'leftovers';
  text: string;
  hint?: string;
}

/** True when the boot dir can be written by this process (root, or a user-owned test dir). */
export async function canWrite(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK).then(
    () => true,
    () => false,
  );
}

const mb = (bytes: number) => Math.floor(bytes / 1048576);

export async function bootDirPreflight(ctx: BuildContext): Promise<BootDirFinding[]> {
  const s = ctx.settings;
  const isRoot = process.getuid?.() === 0;
  if (!s.INSTALL) {
    return [{ status: 'ok', name: 'user', text: isRoot ? 'running as root' : 'not root, and --no-install writes nothing outside TMPDIR' }];
  }
  const dir = ctx.paths.bootdir;
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    return [{ status: 'FAIL', name: 'boot dir', text: `boot dir ${dir} does not exist`, hint: 'create or mount it (--mountboot mounts it when fstab lists it), or pass --bootdir=DIR' }];
  }
  const out: BootDirFinding[] = [];
  if (await canWrite(dir)) {
    out.push({ status: 'ok', name: 'user', text: isRoot ? 'running as root' : `not root, but ${dir} is writable: the image can be installed` });
  } else {
    // Said now, not after a compile.
    out.push({
      status: 'FAIL',
      name: 'user',
      text: `boot dir ${dir} is not writable${isRoot ? '' : ' (you are not root)'}`,
      hint: 'run tsgenkernel as root, or pass --bootdir=DIR you can write, or --no-install',
    });
  }
  out.push(await freeSpace(ctx, dir));
  const lock = lockHolder(dir);
  if (lock) out.push(lock);
  const temps = leftoverInstallTemps(dir);
  if (temps.length) {
    out.push({ status: 'warn', name: 'leftovers', text: `${dir} holds temp files of an install that was killed: ${temps.join(', ')}`, hint: `remove them (rm ${temps.map((t) => join(dir, t)).join(' ')})` });
  }
  return out;
}

/**
 * --check-free-disk-space-bootdir, and (when the kernel is known) room for the new image: it is
 * written beside the current one before the rename, so the current one's size must fit again.
 */
async function freeSpace(ctx: BuildContext, dir: string): Promise<BootDirFinding> {
  const s = ctx.settings;
  const fs = await statfs(dir);
  const free = mb(fs.bavail * fs.bsize);
  const kernel = ctx.kernel;
  const name = kernel ? expandFilename(s.INITRAMFS_FILENAME, { kv: kernel.version, arch: kernel.arch }) : undefined;
  const previous = name ? await stat(join(dir, name)).then((x) => x.size, () => 0) : 0;
  const wantMb = Math.max(s.CHECK_FREE_DISK_SPACE_BOOTDIR, previous ? mb(previous * 1.2) + 1 : 0);
  if (wantMb > 0 && free < wantMb) {
    const why = s.CHECK_FREE_DISK_SPACE_BOOTDIR >= wantMb ? `--check-free-disk-space-bootdir asks for ${wantMb} MB` : `the current ${name} is ${mb(previous)} MB and its replacement is written beside it`;
    return { status: 'FAIL', name: 'free space', text: `boot dir ${dir} has ${free} MB free; ${why}`, hint: 'free space there (old kernels, *.old files), lower --check-free-disk-space-bootdir, or pass --bootdir=DIR' };
  }
  return { status: 'ok', name: 'free space', text: `${dir}: ${free} MB free${previous ? ` (current image ${mb(previous)} MB)` : ''}` };
}

/**
 * Another live run holding the boot dir's lock (this run's own lock does not count). A lock file
 * another user planted is not obeyed, and a pid is believed only when it is a tsgenkernel run of
 * the lock's owner: the hint never tells root to kill something else.
 */
function lockHolder(dir: string): BootDirFinding | undefined {
  const lockPath = lockPathFor(dir);
  let holder: LockOwner | undefined;
  let lockUid: number;
  try {
    lockUid = lstatSync(lockPath).uid;
    holder = JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
  if (!trustedUids().has(lockUid)) {
    return { status: 'warn', name: 'lock', text: `${lockPath} is owned by ${ownerName(lockUid)}, not root: it is not obeyed, the next run replaces it` };
  }
  if (!holder || typeof holder.pid !== 'number' || holder.pid === process.pid) return undefined;
  if (isSameProcessAlive(holder.pid, holder.startTicks ?? null) && isTsgenkernelRun(holder.pid, lockUid)) {
    return { status: 'FAIL', name: 'lock', text: `another run is writing ${dir}: ${describeOwner(holder)}`, hint: `wait for it, or stop it (kill ${holder.pid})` };
  }
  return { status: 'ok', name: 'lock', text: `stale lock ${lockPath} (pid ${holder.pid} is not a running tsgenkernel); the next run takes it over` };
}
