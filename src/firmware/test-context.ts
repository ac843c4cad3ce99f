import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../config/option-table.js';
import { resolveSettings } from '../config/settings.js';
import type { BuildContext, KernelFacts } from '../context.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { Logger, type LogLevel } from '../log.js';
import { TEST_KERNEL_CONFIG, TEST_KV, TEST_MODULE_DIR } from '../../test/debian-kernel.js';

/** Debian's installed kernel: the real module tree and config the feature tests read. */
export const REAL_KV = TEST_KV;
export const REAL_MODULE_DIR = TEST_MODULE_DIR;
export const REAL_CONFIG = TEST_KERNEL_CONFIG;

/**
 * A context for feature tests: shipped default settings plus `settings`, the real kernel's
 * facts (or `kernel` overrides), a private tmp dir, and the printed lines collected.
 */
export async function featureTestContext(opts: { settings?: Partial<Settings>; kernel?: Partial<KernelFacts>; level?: LogLevel } = {}) {
  const base = mkdtempSync(join(tmpdir(), 'tsgk-feature-'));
  mkdirSync(join(base, 'tmp'));
  const lines: string[] = [];
  const settings: Settings = { ...resolveSettings({ cli: {} }).settings, ...opts.settings };
  const config = opts.kernel?.config ?? (await KernelConfig.load(REAL_CONFIG));
  const ctx: BuildContext = {
    command: 'initramfs',
    settings,
    moduleGroupOverrides: new Map(),
    log: new Logger({ level: opts.level ?? 1, color: false, write: (l) => lines.push(l) }),
    dryRun: false,
    paths: { tmp: join(base, 'tmp'), cache: join(base, 'cache'), distdir: join(base, 'distfiles'), bootdir: join(base, 'boot') },
    kernel: {
      version: REAL_KV,
      arch: 'x86_64',
      config,
      configPath: REAL_CONFIG,
      moduleDir: REAL_MODULE_DIR,
      moduleCompression: 'none',
      ...opts.kernel,
    },
    tools: new Map(),
    outputs: {},
    cleanups: [],
    scratchPaths: new Set(),
  };
  return { ctx, base, lines };
}
