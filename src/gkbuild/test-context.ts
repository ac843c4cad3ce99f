import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../config/option-table.js';
import { resolveSettings } from '../config/settings.js';
import type { BuildContext } from '../context.js';
import { Logger } from '../log.js';

const created: string[] = [];

/** A fresh directory under the system temp dir, removed by removeTestDirs(). */
export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** For afterAll(): builds leave megabytes of cache behind otherwise. */
export function removeTestDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A BuildContext for gkbuild and feature tests: the shipped default settings with `settings`
 * on top, private tmp and cache dirs, the given distdir. `lines` collects what would be printed.
 */
export function gkbuildTestContext(opts: { distdir: string; cache?: string; settings?: Partial<Settings> }) {
  const base = testDir('gkbuild-test-');
  const lines: string[] = [];
  const settings: Settings = { ...resolveSettings({ cli: {} }).settings, ...opts.settings };
  const ctx: BuildContext = {
    command: 'initramfs',
    settings,
    moduleGroupOverrides: new Map(),
    log: new Logger({ level: 1, color: false, write: (l) => lines.push(l), file: join(base, 'run.log') }),
    dryRun: false,
    paths: { tmp: join(base, 'tmp'), cache: opts.cache ?? join(base, 'cache'), distdir: opts.distdir, bootdir: join(base, 'boot') },
    tools: new Map(),
    outputs: {},
    cleanups: [],
    scratchPaths: new Set(),
  };
  return { ctx, base, lines };
}
