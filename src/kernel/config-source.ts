import { existsSync } from 'node:fs';
import { release } from 'node:os';
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
}

export const SYSTEM_CONFIG_LOCATIONS: ConfigLocations = {
  procConfig: '/proc/config.gz',
  runningBootDir: '/boot',
  runningRelease: release(),
  etcKernelsDir: '/etc/kernels',
};

export type ConfigSource = { kind: 'file'; path: string; why: string } | { kind: 'defconfig'; why: string };

/**
 * The config a build starts from. --kernel-config=FILE names it; `default` means the running
 * kernel's config (/proc/config.gz, else /boot/config-$(uname -r)), else the arch's defconfig.
 * Unset behaves like `default`, except that a config saved earlier by --save-config for this
 * version (/etc/kernels/kernel-config-KV) is preferred, so a rebuild starts where the last ended.
 */
export function chooseConfigSource(setting: string, kv: string, where: ConfigLocations = SYSTEM_CONFIG_LOCATIONS): ConfigSource {
  if (setting && setting !== 'default') {
    const path = resolve(setting);
    if (!existsSync(path)) {
      throw new GkError(`kernel config ${path} does not exist`, "pass an existing file with --kernel-config=FILE, or --kernel-config=default for the running kernel's");
    }
    return { kind: 'file', path, why: '--kernel-config' };
  }
  if (!setting) {
    const saved = join(where.etcKernelsDir, `kernel-config-${kv}`);
    if (existsSync(saved)) return { kind: 'file', path: saved, why: 'saved by an earlier --save-config' };
  }
  if (existsSync(where.procConfig)) return { kind: 'file', path: where.procConfig, why: "the running kernel's" };
  const bootConfig = join(where.runningBootDir, `config-${where.runningRelease}`);
  if (existsSync(bootConfig)) return { kind: 'file', path: bootConfig, why: "the running kernel's" };
  return { kind: 'defconfig', why: "the running kernel's config is not available" };
}

// The reader lives with KernelConfig; configure imports it from here with the other sources.
export { readConfigText } from './kconfig.js';
