import { execa, type Options as ExecaOptions } from 'execa';
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

export async function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const line = commandLine(cmd, args);
  opts.log?.debug(`$ ${line}`, 4);
  opts.log?.fileOnly(`$ ${line}`);
  const execaOpts: ExecaOptions = {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    reject: false,
    timeout: opts.timeoutMs,
    ...(opts.interactive
      ? { stdio: 'inherit' as const }
      : { all: true, stdin: opts.input === undefined ? ('ignore' as const) : ('pipe' as const), input: opts.input }),
  };
  const child = execa(cmd, [...args], execaOpts);
  // With a line callback (long compiles) the log file gets each line as it arrives, so a
  // five-minute make is not a five-minute silence in the log.
  const streaming = opts.onLine !== undefined && child.all !== undefined && child.all !== null;
  if (streaming) {
    let pending = '';
    child.all!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) {
        opts.log?.fileOnly(l);
        opts.onLine?.(l);
      }
    });
    child.all!.on('end', () => {
      if (pending) opts.log?.fileOnly(pending);
    });
  }
  const res = await child;
  const result: RunResult = {
    exitCode: res.exitCode ?? (res.failed ? 1 : 0),
    stdout: String(res.stdout ?? ''),
    stderr: String(res.stderr ?? ''),
    all: String(res.all ?? ''),
  };
  if (result.all && !streaming) opts.log?.fileOnly(result.all);
  const spawnFailed = res.failed && res.exitCode === undefined;
  if (spawnFailed) {
    const missing = (res as { code?: string }).code === 'ENOENT';
    throw new GkError(
      missing ? `${cmd} was not found` : `${opts.what ?? line} could not run: ${res.shortMessage ?? ''}`,
      opts.hint ?? (missing ? `install the package that provides ${cmd}` : undefined),
    );
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

/** True when `cmd` can be found on PATH. */
export async function haveCommand(cmd: string): Promise<boolean> {
  const res = await execa('sh', ['-c', 'command -v "$1"', 'sh', cmd], { reject: false });
  return res.exitCode === 0;
}
