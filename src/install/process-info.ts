import { readFileSync } from 'node:fs';

/**
 * The kernel's start time of a process (field 22 of /proc/PID/stat, in clock ticks since boot),
 * or null when it cannot be read. Together with the pid it names one process for good: a pid
 * alone may have been reused since a lock was written.
 */
export function processStartTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** True when `pid` runs and (when known) is the process that started at `startTicks`. */
export function isSameProcessAlive(pid: number, startTicks: number | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks === null) return true;
  const now = processStartTicks(pid);
  return now === null || now === startTicks;
}
