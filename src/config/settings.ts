import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { GkError } from '../errors.js';
import { parseConf } from './conf-parser.js';
import { OPTION_TABLE, optionByKey, type OptionKey, type OptionSpec, type Settings } from './option-table.js';


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
  /** Problems worth a warning (unknown keys, skipped command substitutions). */
  warnings: string[];
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

/**
 * Settings by precedence: command line > conf file (/etc/genkernel.conf or --config) > shipped
 * defaults. `confText` undefined means there is no conf file (a missing /etc/genkernel.conf is
 * normal; a missing --config file is an error the caller raises).
 */
export function resolveSettings(input: {
  confText?: string;
  confPath?: string;
  cli: CliValues;
  env?: Record<string, string | undefined>;
  defaultsText?: string;
}): ResolvedSettings {
  const env = input.env ?? process.env;
  const defaultsFile = defaultsPath('genkernel.conf');
  const defaults = parseConf(input.defaultsText ?? readFileSync(defaultsFile, 'utf8'), defaultsFile, env);
  const values = new Map<string, string | boolean | number>();
  const sources = new Map<OptionKey, Source>();
  const warnings: string[] = [];
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
    const conf = parseConf(input.confText, path, confEnv);
    for (const s of conf.skipped) warnings.push(`${path}:${s.line}: ${s.key} uses a command substitution, which is not run; the default stays`);
    for (const [key, a] of conf.values) {
      const spec = optionByKey(key);
      if (spec) {
        values.set(key, convert(spec, a.value, `${path}:${a.line}`));
        sources.set(key as OptionKey, 'conf');
      } else if (/^A?MODULES_[A-Z0-9_]+$/.test(key)) {
        moduleGroupOverrides.set(key, a.value);
      } else {
        warnings.push(`${path}:${a.line}: unknown key ${key} is ignored`);
      }
    }
  }

  for (const [key, v] of Object.entries(input.cli) as Array<[OptionKey, string | boolean | number | undefined]>) {
    if (v === undefined) continue;
    const spec = optionByKey(key);
    if (!spec) throw new Error(`internal: CLI value for unknown key ${key}`);
    values.set(key, typeof v === 'string' ? convert(spec, v, `--${spec.flag}`) : v);
    sources.set(key, 'cli');
  }

  return { settings: Object.fromEntries(values) as unknown as Settings, sources, moduleGroupOverrides, warnings };
}
