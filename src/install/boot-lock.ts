import { closeSync, existsSync, fsyncSync, linkSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { GkError } from '../errors.js';
import { processStartTicks, isSameProcessAlive } from './process-info.js';
import { isTsgenkernelRun } from '../trust/lock-holder.js';
import { ownerName, trustedUids } from '../trust/owner-rule.js';
import { requireTrusted } from '../trust/build-paths.js';

/**
 * One writer per boot dir. The lock file lives in /run/lock (not in the boot dir itself): the
 * boot dir may be mounted later by --mountboot, may be vfat, and a failed run must leave it
 * byte-for-byte as it was. It is keyed by the boot dir's real path, so /boot and a symlink to
 * it share one lock.
 *
 * The file holds who owns it (pid, the process's kernel start time, command line, start date) so
 * the second run can say who is in the way, and so a lock whose owner is gone — or whose pid was
 * reused by an unrelated process — is recognised as stale and taken over.
 */
export interface LockOwner {
  pid: number;
  /** /proc/PID/stat field 22: tells a live owner from a later process that reuses its pid. */
  startTicks: number | null;
  command: string;
  /** ISO date the owner took the lock. */
  started: string;
  bootdir: string;
}

export interface BootLock {
  path: string;
  owner: LockOwner;
  release(): void;
}

export interface AcquireOptions {
  /** Directory for lock files; default /run/lock (or the system temp dir when absent). */
  lockDir?: string;
  /** What the lock says this process is doing; default the command line. */
  command?: string;
  /** Called when a stale lock is taken over. */
  note?: (text: string) => void;
}

export function defaultLockDir(): string {
  for (const d of ['/run/lock', '/var/lock']) if (existsSync(d)) return d;
  return tmpdir();
}

/** The lock file that guards `bootdir`. */
export function lockPathFor(bootdir: string, lockDir = defaultLockDir()): string {
  let real: string;
  try {
    real = realpathSync(bootdir);
  } catch {
    real = resolve(bootdir); // not there yet (preflight says so); still one lock per spelling
  }
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const readable = basename(real).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return join(lockDir, `tsgenkernel-${readable}-${hash}.lock`);
}

export function describeOwner(o: LockOwner): string {
  return `pid ${o.pid} (${o.command}), started ${o.started}`;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return undefined;
    return {
      pid: o.pid,
      startTicks: typeof o.startTicks === 'number' ? o.startTicks : null,
      command: typeof o.command === 'string' ? o.command : '?',
      started: typeof o.started === 'string' ? o.started : '?',
      bootdir: typeof o.bootdir === 'string' ? o.bootdir : '?',
    };
  } catch {
    return undefined;
  }
}

function writeExclusive(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(owner) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Takes the lock for `bootdir` or throws a GkError naming the run that holds it. A lock file
 * whose owner is dead (or unreadable: a crash between create and write) is taken over: it is
 * first renamed aside — only one of two racing runs can win that rename — then re-checked.
 */
export function acquireBootLock(bootdir: string, opts: AcquireOptions = {}): BootLock {
  const lockDir = opts.lockDir ?? defaultLockDir();
  requireTrusted(lockDir, 'lock dir');
  const path = lockPathFor(bootdir, lockDir);
  const owner: LockOwner = {
    pid: process.pid,
    startTicks: processStartTicks(process.pid),
    command: (opts.command ?? ['tsgenkernel', ...process.argv.slice(2)].join(' ')).slice(0, 300),
    started: new Date().toISOString(),
    bootdir,
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    let created: boolean;
    try {
      created = writeExclusive(path, owner);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new GkError(`cannot create the lock file ${path}: ${e.code ?? e.message}`, `run as root (${lockDir} must be writable)`);
    }
    if (created) return { path, owner, release: () => releaseIfOurs(path, owner) };

    // Lock names are predictable and the lock dir is world-writable: a file another user planted
    // (or a link, or anything not a plain file) is not obeyed, and its pid is not believed.
    const found = lstatQuiet(path);
    if (!found) continue;
    const forged = !found.isFile() || !trustedUids().has(found.uid);
    const holder = forged ? undefined : readOwner(path);
    if (holder && isSameProcessAlive(holder.pid, holder.startTicks) && isTsgenkernelRun(holder.pid, found.uid)) {
      throw new GkError(
        `another tsgenkernel run is writing ${bootdir}: ${describeOwner(holder)}`,
        `wait for it to finish, or stop it (kill ${holder.pid}); the lock is ${path}`,
      );
    }
    // Stale: move it aside under a name only we use, then make sure what we moved is what we judged.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue; // someone else took it over first; look again
    }
    const moved = lstatQuiet(aside);
    if (!moved || moved.ino !== found.ino || moved.dev !== found.dev) {
      // We raced with a run that had just taken it over: give its lock back and look again.
      try {
        linkSync(aside, path);
      } catch {
        // a third run holds it now; that run's lock stands
      }
      unlinkQuiet(aside);
      continue;
    }
    unlinkQuiet(aside);
    opts.note?.(
      forged
        ? `replaced the lock file ${path}: it is owned by ${ownerName(found.uid)}, not by ${process.getuid?.() === 0 ? 'root' : 'root or you'}, so it was not written by a tsgenkernel run`
        : holder
        ? `took over a stale lock on ${bootdir}: ${describeOwner(holder)} is ${isSameProcessAlive(holder.pid, holder.startTicks) ? 'not a tsgenkernel run' : 'no longer running'}`
        : `took over an unreadable lock file ${path} (left by a run that crashed while taking it)`,
    );
  }
  throw new GkError(`could not take the lock ${path} after several tries`, 'another run keeps taking it; wait for it and run again');
}

function lstatQuiet(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}

/** Removes the lock only while it is still ours (a takeover by another run must not be undone). */
function releaseIfOurs(path: string, owner: LockOwner): void {
  const now = readOwner(path);
  if (now && now.pid === owner.pid && now.started === owner.started) unlinkQuiet(path);
}
