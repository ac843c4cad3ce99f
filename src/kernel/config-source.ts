import { existsSync, readFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { join, resolve } from 'node:path';
import { GkError } from '../errors.js';

/** Where the running kernel's config and saved configs are looked for; tests point these elsewhere. */
export interface ConfigLocations {
  /** /proc/config.gz (CONFIG_IKCONFIG_PROC). */
  procConfig: string;
  /** The directory holding config-$(uname -r): the running system's /boot, not --bootdir. */
  runningBootDir: string;
  /** `uname -r`. */
  runningRelease: string;
  /** Where --save-config stores kernel-config-KV. */
  etcKernelsDir: string;
  /** /lib/modules: an installed kernel's source/.config is looked for under it. */
  modulesDir?: string;
}

export const SYSTEM_CONFIG_LOCATIONS: ConfigLocations = {
  procConfig: '/proc/config.gz',
  runningBootDir: '/boot',
  runningRelease: release(),
  etcKernelsDir: '/etc/kernels',
  modulesDir: '/lib/modules',
};

export type ConfigSource = { kind: 'file'; path: string; why: string } | { kind: 'defconfig'; why: string };

export interface ConfigChoiceInput {
  /** --kernel-config: empty, `default`, or a file. */
  setting: string;
  /** The version the tree builds (KV). */
  kv: string;
  /** KERNEL_LOCALVERSION ('' or UNSET: none), for the saved-config name genkernel also tries. */
  localversion?: string;
  /** DEFAULT_KERNEL_CONFIG. */
  defaultConfig?: string;
  /** genkernel's arch name (x86_64), for the genkernel-3 saved-config name. */
  arch?: string;
  /** KERNEL_CONFIG_FILENAME expanded: the saved config looked for first (default kernel-config-KV). */
  savedName?: string;
}

/** The reason given for a file named with --kernel-config: the user's explicit choice. */
export const GIVEN_WITH_FLAG = 'given with --kernel-config';

/** genkernel skips a candidate that carries this marker; so does tsgenkernel. */
const BROKEN_MARKER = 'THIS_CONFIG_IS_BROKEN';

/**
 * The config a build starts from, in genkernel's order:
 *  1. --kernel-config=FILE;
 *  2. a config saved for this version: /etc/kernels/kernel-config-KV, then the name with
 *     KERNEL_LOCALVERSION in place of the tree's, then genkernel 3's kernel-config-ARCH-KV;
 *  3. the installed kernel's own: /lib/modules/KV/source/.config;
 *  4. DEFAULT_KERNEL_CONFIG;
 *  5. the defaults: where genkernel has its own arch config, the running kernel's
 *     (/proc/config.gz, /boot/config-$(uname -r)), else the arch's defconfig.
 * `--kernel-config=default` skips 2 and 3, as genkernel skips the user's configs.
 */
export function chooseConfigSource(opts: ConfigChoiceInput, where: ConfigLocations = SYSTEM_CONFIG_LOCATIONS): ConfigSource {
  const { setting, kv } = opts;
  if (setting && setting !== 'default') {
    const path = resolve(setting);
    if (!existsSync(path)) {
      throw new GkError(`kernel config ${path} does not exist`, "pass an existing file with --kernel-config=FILE, or --kernel-config=default for the running kernel's");
    }
    return { kind: 'file', path, why: GIVEN_WITH_FLAG };
  }
  const usable = (p: string) => existsSync(p) && !isMarkedBroken(p);
  if (!setting) {
    const saved: Array<[string, string]> = [[join(where.etcKernelsDir, opts.savedName || `kernel-config-${kv}`), 'saved for this version by an earlier --save-config']];
    const lv = opts.localversion;
    if (lv && lv !== 'UNSET') {
      const base = /^\d+\.\d+(\.\d+)?[^-+]*/.exec(kv)?.[0];
      if (base) saved.push([join(where.etcKernelsDir, `kernel-config-${base}${lv}`), `saved for ${base}${lv} (this version with KERNEL_LOCALVERSION)`]);
    }
    saved.push([join(where.etcKernelsDir, `kernel-config-${opts.arch ?? genkernelArch()}-${kv}`), 'saved for this version by genkernel 3']);
    for (const [p, why] of saved) if (usable(p)) return { kind: 'file', path: p, why };
    const installed = join(where.modulesDir ?? '/lib/modules', kv, 'source', '.config');
    if (usable(installed)) return { kind: 'file', path: installed, why: `the config of the installed ${kv} kernel's source tree` };
  }
  if (opts.defaultConfig) {
    const p = resolve(opts.defaultConfig);
    if (usable(p)) return { kind: 'file', path: p, why: 'DEFAULT_KERNEL_CONFIG' };
  }
  const nothingSaved = setting === 'default' ? '--kernel-config=default' : `no config saved for ${kv}`;
  if (existsSync(where.procConfig)) return { kind: 'file', path: where.procConfig, why: `the running kernel's (${nothingSaved})` };
  const bootConfig = join(where.runningBootDir, `config-${where.runningRelease}`);
  if (existsSync(bootConfig)) return { kind: 'file', path: bootConfig, why: `the running kernel's (${nothingSaved})` };
  return { kind: 'defconfig', why: `${nothingSaved}, and the running kernel's config is not available` };
}

function isMarkedBroken(path: string): boolean {
  if (path.endsWith('.gz')) return false;
  try {
    return readFileSync(path, 'utf8').includes(BROKEN_MARKER);
  } catch {
    return true;
  }
}

/** genkernel's ARCH for this machine (uname -m spelling). */
function genkernelArch(): string {
  return arch() === 'x64' ? 'x86_64' : arch() === 'ia32' ? 'x86' : arch();
}

// The reader lives with KernelConfig; configure imports it from here with the other sources.
export { readConfigText } from './kconfig.js';
