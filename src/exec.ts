import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { GkError } from './errors.js';
import type { Logger } from './log.js';

/**
 * Every external program runs through here: argument arrays only (never a shell string built
 * from configuration values), its transcript in the log file, and a GkError on failure that
 * names the command and shows its last lines of output.
 */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Replace the environment instead of extending it (gkbuild runs recipes in a reset environment). */
  extendEnv?: boolean;
  input?: string | Buffer;
  log?: Logger;
  /** Inherit the terminal (menuconfig). */
  interactive?: boolean;
  /** Called with each output line as it arrives (progress displays). */
  onLine?: (line: string) => void;
  /** Non-zero exit is returned instead of thrown. */
  allowFailure?: boolean;
  /** How to describe the failure to the user; defaults to the command line. */
  what?: string;
  hint?: string;
  /** Lines of output to show on failure. */
  tailLines?: number;
  timeoutMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, as the user would have seen them. */
  all: string;
}

export function commandLine(cmd: string, args: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [cmd, ...args].map(quote).join(' ');
}

/**
 * node:child_process, not execa: execa and its helpers are some 100 ES modules whose loading cost
 * 0.22 s of CPU at every start (measured), a quarter of a whole minimal initramfs build; what this
 * helper needs of it (argument arrays, an interleaved transcript, input, a timeout) is a few lines.
 */
export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const line = commandLine(cmd, args);
  opts.log?.debug(`$ ${line}`, 4);
  opts.log?.fileOnly(`$ ${line}`);
  const env = (opts.extendEnv ?? true) ? { ...process.env, ...opts.env } : { ...opts.env };
  const res = await spawnCollect(cmd, args, opts, env);
  const result: RunResult = { exitCode: res.exitCode ?? 1, stdout: stripFinalNewline(res.stdout), stderr: stripFinalNewline(res.stderr), all: stripFinalNewline(res.all) };
  if (result.all && !opts.onLine) opts.log?.fileOnly(result.all);
  if (res.spawnError) {
    const missing = res.spawnError.code === 'ENOENT';
    throw new GkError(
      missing ? `${cmd} was not found` : `${opts.what ?? line} could not run: ${res.spawnError.message}`,
      opts.hint ?? (missing ? `install the package that provides ${cmd}` : undefined),
    );
  }
  if (res.exitCode === undefined) {
    // Killed by a signal (ours, on timeout, or someone else's): not an exit code to compare.
    const why = res.timedOut ? `timed out after ${Math.round((opts.timeoutMs ?? 0) / 1000)}s` : `was killed by ${res.signal}`;
    if (opts.allowFailure) return result;
    throw new GkError(`${opts.what ?? line} ${why}`, opts.hint);
  }
  if (result.exitCode !== 0 && !opts.allowFailure) {
    const tail = result.all.trimEnd().split('\n').slice(-(opts.tailLines ?? 8)).join('\n');
    const logNote = opts.log?.logFile ? ` (full output in ${opts.log.logFile})` : '';
    throw new GkError(
      `${opts.what ?? line} failed with exit code ${result.exitCode}${logNote}${tail ? ':\n' + tail : ''}`,
      opts.hint,
    );
  }
  return result;
}

interface Collected {
  exitCode?: number;
  signal?: NodeJS.Signals;
  timedOut: boolean;
  spawnError?: NodeJS.ErrnoException;
  stdout: string;
  stderr: string;
  all: string;
}

/**
 * Programs running now. An interrupted run stops them before it cleans up: a depmod or make
 * signalled only through us (kill PID, not a terminal's Ctrl-C to the whole group) would go on
 * writing into the directories the cleanup is removing.
 */
const running = new Set<ChildProcess>();

/** Sends SIGTERM to every program still running and waits for them to end (SIGKILL after `graceMs`). */
export async function stopRunning(graceMs = 2000): Promise<void> {
  const ends = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
      }),
  );
  await Promise.all(ends);
}

function spawnCollect(cmd: string, args: readonly string[], opts: RunOptions, env: NodeJS.ProcessEnv): Promise<Collected> {
  return new Promise((resolve) => {
    const stdin = opts.interactive ? 'inherit' : opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(cmd, [...args], { cwd: opts.cwd, env, stdio: opts.interactive ? 'inherit' : [stdin, 'pipe', 'pipe'] });
    running.add(child);
    const forget = () => running.delete(child);
    child.once('exit', forget);
    child.once('error', forget); // never started: no 'exit' will come
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const all: Buffer[] = [];
    let pending = '';
    let timedOut = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const onChunk = (sink: Buffer[]) => (chunk: Buffer) => {
      sink.push(chunk);
      all.push(chunk);
      if (!opts.onLine) return;
      // With a line callback (long compiles) the log file gets each line as it arrives, so a
      // five-minute make is not a five-minute silence in the log.
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) {
        opts.log?.fileOnly(l);
        opts.onLine(l);
      }
    };
    child.stdout?.on('data', onChunk(out));
    child.stderr?.on('data', onChunk(err));
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits without reading its input
      child.stdin.end(opts.input);
    }
    const timer = opts.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGTERM')), opts.timeoutMs) : undefined;
    child.on('error', (e: NodeJS.ErrnoException) => (spawnError = e));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (pending && opts.onLine) opts.log?.fileOnly(pending);
      resolve({
        exitCode: code ?? (spawnError ? 127 : undefined),
        signal: signal ?? undefined,
        timedOut,
        spawnError,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        all: Buffer.concat(all).toString(),
      });
    });
  });
}

/** As execa did: one trailing newline is not part of a command's answer. */
function stripFinalNewline(s: string): string {
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}

/** True when `cmd` can be found on PATH (as `command -v` would say, without a shell). */
export async function haveCommand(cmd: string): Promise<boolean> {
  if (cmd.includes('/')) return isExecutable(cmd);
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d !== '' && isExecutable(join(d, cmd)));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
