import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Whether `pid` is a tsgenkernel run of user `uid`, as /proc shows it. A lock file names a pid;
 * that pid is believed (and may be named in a "kill PID" hint) only when this holds, so a lock
 * naming pid 1 or any other user's process is recognised as not ours.
 */
export function isTsgenkernelRun(pid: number, uid: number): boolean {
  let status: string;
  let argv: string[];
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return false;
  }
  // Uid: real, effective, saved, filesystem.
  const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  if (!uids || Number(uids[1]) !== uid || Number(uids[2]) !== uid) return false;
  return argv.slice(0, 3).some((a) => isOurEntry(a));
}

/** `tsgenkernel` (an installed launcher), or node running this project's CLI entry script. */
function isOurEntry(arg: string): boolean {
  if (basename(arg) === 'tsgenkernel') return true;
  const own = process.argv[1];
  return (own !== undefined && arg === own) || /\/dist\/src\/cli\/entry(\.bundle)?\.js$/.test(arg);
}
