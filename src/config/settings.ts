import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { GkError } from '../errors.js';
import { parseConf } from './conf-parser.js';
import { OPTION_TABLE, optionByKey, type OptionKey, type OptionSpec, type Settings } from './option-table.js';
import { closestKey, genkernelOnlyByKey, isInert, notOfferedWarning, type GenkernelOnlySpec } from './genkernel-options.js';


export function defaultsPath(name: string): string {
  return join(findDefaultsDir(), name);
}

let cachedDefaultsDir: string | undefined;
function findDefaultsDir(): string {
  if (cachedDefaultsDir) return cachedDefaultsDir;
  // Running from src/ (vitest) the repo root is two levels up; from dist/src/ it is three.
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const candidate = join(here, up, 'defaults');
    try {
      readFileSync(join(candidate, 'genkernel.conf'));
      cachedDefaultsDir = candidate;
      return candidate;
    } catch {
      // try the next layout
    }
  }
  throw new Error(`internal: defaults/genkernel.conf not found near ${here}`);
}

export type Source = 'default' | 'conf' | 'cli';
export type CliValues = Partial<Record<OptionKey, string | boolean | number>>;

export interface ResolvedSettings {
  settings: Settings;
  /** Where each value came from, for --loglevel 3 and `check`. */
  sources: Map<OptionKey, Source>;
  /** MODULES_<group> / AMODULES_<group> overrides from the conf files. */
  moduleGroupOverrides: Map<string, string>;
  /** Problems worth a warning (unknown keys, skipped command substitutions, genkernel features not offered). */
  warnings: string[];
  /** The user's genkernel settings (conf keys, flags) that tsgenkernel does not offer, one line each. */
  notOffered: string[];
}

/** A genkernel flag given on the command line whose feature is not offered. */
export interface NotOfferedFlag {
  spec: GenkernelOnlySpec;
  flag: string;
  value: string | boolean;
}

const TRUE = new Set(['yes', 'y', 'true', '1', 'on']);
const FALSE = new Set(['no', 'n', 'false', '0', 'off', '']);

function convert(spec: OptionSpec, raw: string, where: string): string | boolean | number {
  switch (spec.kind) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      throw new GkError(`${where}: ${spec.key}="${raw}" is not yes or no`, `set ${spec.key}="yes" or ${spec.key}="no"`);
    }
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new GkError(`${where}: ${spec.key}="${raw}" is not a whole number`, `set ${spec.key} to a number, e.g. ${spec.key}="1"`);
      }
      return Number.parseInt(raw, 10);
    }
    case 'string':
      if (spec.choices && raw !== '' && !spec.choices.includes(raw) && raw !== spec.negatedValue) {
        throw new GkError(`${where}: ${spec.key}="${raw}" is not one of ${spec.choices.join(', ')}`, `pick one of: ${spec.choices.join(', ')}`);
      }
      return raw;
  }
}

/** Portage's make.conf (a file, or a directory of files read in name order), then the old place. */
const MAKE_CONF_PATHS = ['/etc/portage/make.conf', '/etc/make.conf'];

/**
 * What `portageq envvar NAME` would print, read from make.conf without running Portage. With no
 * Portage at all the shell's substitution yields nothing, and so does this: the default stays.
 */
export function makeConfValue(name: string, paths: readonly string[]): string {
  let value: string | undefined;
  for (const p of paths) {
    const files = (() => {
      try {
        if (statSync(p).isDirectory()) return readdirSync(p).sort().map((f) => join(p, f));
        return [p];
      } catch {
        return [];
      }
    })();
    for (const f of files) {
      try {
        const v = parseConf(readFileSync(f, 'utf8'), f).values.get(name)?.value;
        if (v !== undefined) value = v;
      } catch {
        // A make.conf this reader cannot follow answers nothing, as a failing portageq would.
      }
    }
    if (value !== undefined) return value;
  }
  return '';
}

/**
 * Settings by precedence: command line > conf file (/etc/genkernel.conf or --config) > shipped
 * defaults. `confText` undefined means there is no conf file (a missing /etc/genkernel.conf is
 * normal; a missing --config file is an error the caller raises).
 */
export function resolveSettings(input: {
  confText?: string;
  confPath?: string;
  cli: CliValues;
  /** genkernel flags on the command line that are not offered (warned about, then ignored). */
  cliNotOffered?: readonly NotOfferedFlag[];
  env?: Record<string, string | undefined>;
  defaultsText?: string;
  /** Where `$(portageq envvar NAME)` looks after the environment; tests point it elsewhere. */
  makeConfPaths?: readonly string[];
}): ResolvedSettings {
  const env = input.env ?? process.env;
  const defaultsFile = defaultsPath('genkernel.conf');
  const defaults = parseConf(input.defaultsText ?? readFileSync(defaultsFile, 'utf8'), defaultsFile, env);
  const values = new Map<string, string | boolean | number>();
  const sources = new Map<OptionKey, Source>();
  const warnings: string[] = [];
  const notOffered: string[] = [];
  const moduleGroupOverrides = new Map<string, string>();

  for (const spec of OPTION_TABLE as readonly OptionSpec[]) {
    const a = defaults.values.get(spec.key);
    if (a === undefined) throw new Error(`internal: defaults/genkernel.conf lacks ${spec.key}`);
    values.set(spec.key, convert(spec, a.value, `${defaultsFile}:${a.line}`));
    sources.set(spec.key as OptionKey, 'default');
  }

  if (input.confText !== undefined) {
    const path = input.confPath ?? 'genkernel.conf';
    // Conf values may refer to defaults (${CACHE_DIR}) the way genkernel's sourced file could.
    const confEnv: Record<string, string | undefined> = { ...env };
    for (const [k, a] of defaults.values) confEnv[k] = a.value;
    const portageqEnvvar = (name: string) => env[name] ?? makeConfValue(name, input.makeConfPaths ?? MAKE_CONF_PATHS);
    const conf = parseConf(input.confText, path, confEnv, { portageqEnvvar });
    for (const s of conf.skipped) warnings.push(`${path}:${s.line}: ${s.key} uses a command substitution, which is not run; the default stays`);
    // Keys that feed a table setting as a default only (DEFAULT_KERNEL_SOURCE) yield to the
    // table key itself when the conf sets both.
    const fedAsDefault: Array<[OptionKey, string, string]> = [];
    for (const [key, a] of conf.values) {
      const where = `${path}:${a.line}`;
      const spec = optionByKey(key);
      const genkernelOnly = spec ? undefined : genkernelOnlyByKey(key);
      if (spec) {
        values.set(key, convert(spec, a.value, where));
        sources.set(key as OptionKey, 'conf');
      } else if (/^A?MODULES_[A-Z0-9_]+$/.test(key)) {
        moduleGroupOverrides.set(key, a.value);
      } else if (genkernelOnly?.feeds) {
        const target = optionByKey(genkernelOnly.feeds.key)!;
        if (genkernelOnly.feeds.onlyAsDefault) {
          fedAsDefault.push([genkernelOnly.feeds.key, a.value, where]);
        } else {
          const v = convert({ ...target, key }, a.value, where);
          values.set(target.key, genkernelOnly.feeds.invert ? !v : v);
          sources.set(target.key as OptionKey, 'conf');
        }
      } else if (genkernelOnly) {
        if (genkernelOnly.kind === 'bool') convert({ flag: key.toLowerCase(), key, kind: 'bool', help: '', group: 'general' }, a.value, where);
        if (!isInert(genkernelOnly, a.value)) {
          const line = notOfferedWarning(where, genkernelOnly, `${key}="${a.value}"`);
          warnings.push(line);
          notOffered.push(line);
        }
      } else if (conf.referenced.has(key)) {
        // A helper variable that later values expand (MY_BASE=…; X="${MY_BASE}/y"), as in a shell.
      } else {
        const guess = closestKey(key);
        warnings.push(`${where}: unknown key ${key} is ignored${guess ? `; did you mean ${guess}?` : ''}`);
      }
    }
    for (const [target, raw, where] of fedAsDefault) {
      if (conf.values.has(target)) continue;
      values.set(target, convert(optionByKey(target)!, raw, where));
      sources.set(target, 'conf');
    }
  }

  for (const f of input.cliNotOffered ?? []) {
    if (isInert(f.spec, f.value)) continue;
    const shown = typeof f.value === 'boolean' ? `--${f.value ? '' : 'no-'}${f.flag}` : `--${f.flag}=${f.value}`;
    const line = notOfferedWarning('command line', f.spec, shown);
    warnings.push(line);
    notOffered.push(line);
  }

  for (const [key, v] of Object.entries(input.cli) as Array<[OptionKey, string | boolean | number | undefined]>) {
    if (v === undefined) continue;
    const spec = optionByKey(key);
    if (!spec) throw new Error(`internal: CLI value for unknown key ${key}`);
    values.set(key, typeof v === 'string' ? convert(spec, v, `--${spec.flag}`) : v);
    sources.set(key, 'cli');
  }

  return { settings: Object.fromEntries(values) as unknown as Settings, sources, moduleGroupOverrides, warnings, notOffered };
}
