import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { openSync, closeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BuildContext, CommandName } from '../context.js';
import { GkError } from '../errors.js';
import { Logger, type LogLevel } from '../log.js';
import { resolveSettings, type CliValues, type NotOfferedFlag } from '../config/settings.js';
import { requireTrusted, requireTrustedBuildPaths } from '../trust/build-paths.js';

export const DEFAULT_CONF = '/etc/genkernel.conf';

async function readConf(path: string | undefined): Promise<{ text?: string; path: string }> {
  if (path) {
    const text = await readFile(path, 'utf8').catch(() => {
      throw new GkError(`config file ${path} cannot be read`, 'pass an existing file with --config=FILE');
    });
    return { text, path };
  }
  // No --config: /etc/genkernel.conf is optional.
  const text = await readFile(DEFAULT_CONF, 'utf8').catch(() => undefined);
  return { text, path: DEFAULT_CONF };
}

/** A log file we can append to, or none (a non-root user cannot write /var/log). */
function usableLogFile(path: string): string | undefined {
  if (!path) return undefined;
  try {
    closeSync(openSync(path, 'a'));
    return path;
  } catch {
    return undefined;
  }
}

export async function createBuildContext(
  command: CommandName,
  cli: CliValues & { configFile?: string; notOfferedFlags?: readonly NotOfferedFlag[] },
  write?: (line: string) => void,
): Promise<BuildContext> {
  const { configFile, notOfferedFlags, ...values } = cli;
  // Judged before it is read: its values decide every path below.
  if (configFile || existsSync(DEFAULT_CONF)) requireTrusted(configFile ?? DEFAULT_CONF, 'config file', 'pass another --config=FILE');
  const conf = await readConf(configFile);
  const resolved = resolveSettings({ confText: conf.text, confPath: conf.path, cli: values, cliNotOffered: notOfferedFlags });
  const s = resolved.settings;
  requireTrustedBuildPaths({ tmpdir: s.TMPDIR, cachedir: s.CACHE_DIR, distdir: s.DISTDIR });
  if (s.LOGLEVEL < 0 || s.LOGLEVEL > 5) throw new GkError(`loglevel ${s.LOGLEVEL} is out of range`, 'use --loglevel=0 … 5');
  await mkdir(dirname(s.LOGFILE), { recursive: true }).catch(() => undefined);
  const log = new Logger({ level: s.LOGLEVEL as LogLevel, color: s.USECOLOR && process.stderr.isTTY === true, file: usableLogFile(s.LOGFILE), write });
  for (const w of resolved.warnings) log.warn(w);

  const dryRun = s.DRY_RUN;
  let tmp = '';
  if (!dryRun) {
    await mkdir(s.TMPDIR, { recursive: true, mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
      throw new GkError(`cannot create the temp dir ${s.TMPDIR}: ${e.code}`, e.code === 'EACCES' ? 'run as root, or pass --tmpdir=DIR you can write' : 'pass --tmpdir=DIR');
    });
    requireTrusted(s.TMPDIR, 'temp dir', 'pass another --tmpdir=DIR'); // again: the parts just created
    tmp = await mkdtemp(join(s.TMPDIR, `${command}-`));
  }
  const ctx: BuildContext = {
    command,
    settings: s,
    settingSources: resolved.sources,
    moduleGroupOverrides: resolved.moduleGroupOverrides,
    notOffered: resolved.notOffered,
    log,
    dryRun,
    paths: { tmp, cache: s.CACHE_DIR, distdir: s.DISTDIR, bootdir: s.BOOTDIR },
    tools: new Map(),
    outputs: {},
    cleanups: [],
    scratchPaths: new Set(),
  };
  if (tmp && s.CLEANUP) ctx.cleanups.push(() => rm(tmp, { recursive: true, force: true }));
  return ctx;
}
