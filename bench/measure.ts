/**
 * Runs one command and measures what a user would feel: wall time, and memory two ways.
 * GNU time's %M is the largest single process of the tree (getrusage keeps the max over waited
 * children), which undercounts pipelines (cpio | zstd, find | xargs) whose processes are alive
 * at once; so the process tree's summed RSS is also sampled from /proc every few milliseconds.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  wallMs: number;
  /** Largest single process (GNU time %M), in KiB. */
  maxProcessKiB: number;
  /** Largest sum of RSS over the whole process tree seen while sampling, in KiB. */
  peakTreeKiB: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Sampling period of the /proc poll. */
  pollMs?: number;
  timeoutMs?: number;
}

const PAGE_KIB = 4;

/** pid -> parent pid for every process now alive (processes may vanish while we read). */
function parentTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // The command name is in parentheses and may hold spaces; the fields after it are fixed.
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), Number(after[1]));
    } catch {
      // exited between readdir and read
    }
  }
  return table;
}

function rssKiB(pid: number): number {
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ');
    return Number(statm[1]) * PAGE_KIB;
  } catch {
    return 0;
  }
}

/** Summed RSS of root's descendants (root itself is /usr/bin/time, a constant ~2 MB, left out). */
export function treeRssKiB(root: number): number {
  const parents = parentTable();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  let sum = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    sum += rssKiB(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

export function measure(cmd: string, args: readonly string[], opts: MeasureOptions = {}): Promise<Measured> {
  const work = mkdtempSync(join(tmpdir(), 'tsgk-bench-time-'));
  const timeFile = join(work, 'time');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, cmd, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let peak = 0;
    const poll = setInterval(() => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRssKiB(child.pid));
    }, opts.pollMs ?? 25);
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs)
      : undefined;
    child.on('error', (err) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      let maxProcessKiB = 0;
      try {
        // time writes "Command exited with non-zero status N" before the value on failures.
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        maxProcessKiB = Number(lines[lines.length - 1]);
      } catch {
        // time itself failed to start the command; exitCode says so
      }
      rmSync(work, { recursive: true, force: true });
      resolve({ wallMs, maxProcessKiB, peakTreeKiB: Math.max(peak, maxProcessKiB), exitCode: code ?? 1, stdout, stderr });
    });
  });
}

/** A measured run that must succeed. */
export async function measureOk(what: string, cmd: string, args: readonly string[], opts: MeasureOptions = {}): Promise<Measured> {
  const m = await measure(cmd, args, opts);
  if (m.exitCode !== 0) {
    throw new Error(`${what} failed (exit ${m.exitCode}): ${cmd} ${args.join(' ')}\n${m.stdout.slice(-3000)}\n${m.stderr.slice(-3000)}`);
  }
  return m;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
