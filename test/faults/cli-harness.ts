import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lockPathFor } from '../../src/install/boot-lock.js';
import { TEST_KERNEL_CONFIG, TEST_KV } from '../debian-kernel.js';

/**
 * Runs the real CLI (bin/tsgenkernel → dist/) as a user would, and takes snapshots of the
 * directories a failed run must leave alone. Builds here use a handful of real Debian modules,
 * no static tools (--no-busybox --no-kmod) and a conf that empties the default module groups,
 * so one build takes about a second.
 */
export const REPO = resolve(import.meta.dirname, '../..');
export const BIN = join(REPO, 'bin/tsgenkernel');
export const KV = TEST_KV;
export const DEBIAN_CONFIG = TEST_KERNEL_CONFIG;

export function assertBuilt(): void {
  if (!existsSync(join(REPO, 'dist/src/cli/main.js')) || !existsSync(join(REPO, 'dist/src/cli/entry.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` (npm test does) before these tests');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: readonly string[], opts: { asUser?: string; env?: Record<string, string>; cwd?: string } = {}): CliResult {
  const argv = [BIN, ...args];
  const cmd = opts.asUser ? ['setpriv', '--reuid', opts.asUser, '--regid', 'nogroup', '--clear-groups', ...argv] : argv;
  const r: SpawnSyncReturns<string> = spawnSync(cmd[0]!, cmd.slice(1), {
    encoding: 'utf8',
    cwd: opts.cwd ?? '/',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    timeout: 120_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting (interruption tests). */
export function startCli(args: readonly string[], env: Record<string, string> = {}) {
  return spawn(BIN, [...args], { cwd: '/', env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Names, types, sizes, mtimes and link targets of everything under `dir`: what "unchanged" means here. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const abs = rel ? join(dir, rel) : dir;
    let names: string[];
    try {
      names = readdirSync(abs).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(join(dir, r))}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${st.mtimeMs}`;
        walk(r);
      } else out[r] = `file ${st.size} ${st.mtimeMs}`;
    }
  };
  walk('');
  return out;
}

/** The error contract: exactly one line on stderr, "tsgenkernel: PROBLEM — WAY OUT". */
export function oneLineError(r: CliResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const errors = lines.filter((l) => l.startsWith('tsgenkernel: '));
  if (errors.length !== 1) throw new Error(`expected one error line, got:\n${r.stderr}`);
  const line = errors[0]!;
  if (!line.includes(' — ')) throw new Error(`error line has no hint (" — way out"): ${line}`);
  if (/internal error/.test(line)) throw new Error(`internal error instead of a GkError: ${r.stderr}`);
  return line;
}

/** A genkernel.conf that empties every default module group and asks for `modules` only. */
export function smallConf(path: string, modules: readonly string[], extra = ''): string {
  const groups = readFileSync(join(REPO, 'defaults/modules_load'), 'utf8').match(/^MODULES_[A-Z0-9_]+/gm) ?? [];
  const lines = groups.map((g) => `${g}=""`);
  lines.push(`MODULES_TEST="${modules.join(' ')}"`, extra);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

export interface BuildDirs {
  conf: string;
  prefix: string;
  boot: string;
  tmp: string;
  log: string;
  config?: string;
}

/** The arguments of a small, fast initramfs build into the given dirs. */
export function buildArgs(d: BuildDirs, extra: readonly string[] = []): string[] {
  return [
    'initramfs',
    `--config=${d.conf}`,
    `--kernel-version=${KV}`,
    `--kernel-modules-prefix=${d.prefix}`,
    `--kernel-config=${d.config ?? DEBIAN_CONFIG}`,
    `--bootdir=${d.boot}`,
    `--tmpdir=${d.tmp}`,
    `--logfile=${d.log}`,
    `--cachedir=${join(d.tmp, '..', 'cache')}`,
    '--no-busybox',
    '--no-kmod',
    '--no-mountboot',
    ...extra,
  ];
}

export function lockFileOf(boot: string): string {
  return lockPathFor(boot);
}

/** The Debian config with symbols switched: `on` become =y, `off` become "is not set" (each appears once). */
export function debianConfigWith(on: readonly string[], off: readonly string[] = []): string {
  const touched = new Set([...on, ...off]);
  const kept = readFileSync(DEBIAN_CONFIG, 'utf8')
    .split('\n')
    .filter((l) => {
      const m = /^(?:# )?(CONFIG_[A-Z0-9_]+)[= ]/.exec(l);
      return !(m && touched.has(m[1]!));
    });
  return [...kept, ...on.map((s) => `${s}=y`), ...off.map((s) => `# ${s} is not set`)].join('\n') + '\n';
}
