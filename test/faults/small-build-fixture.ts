import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeModuleTree, type ModuleTreeFixture } from '../../src/kmod/test-fixtures.js';
import { assertBuilt, smallConf, type BuildDirs } from './cli-harness.js';

export interface SmallBuildFixture {
  /** The file's work dir (created in beforeAll). */
  readonly work: string;
  /** The small module tree the builds package. */
  readonly tree: ModuleTreeFixture;
  /** Fresh dirs for one CLI run (a conf naming `modules`, boot, tmp, log); `over` replaces some. */
  dirs(over?: Partial<BuildDirs>): BuildDirs;
  /** A tmpfs of `size` mounted on `dir` (a full disk on demand); unmounted in afterAll. */
  tmpfs(dir: string, size: string): string;
}

/**
 * The lifecycle CLI fault tests share: before the file's tests, dist/ checked, a work dir under
 * /tmp and a module tree holding `modules`; after them, every tmpfs unmounted and both removed.
 * Call it at the top of a test file.
 */
export function smallBuildFixture(workPrefix: string, modules: readonly string[]): SmallBuildFixture {
  let work = '';
  let tree: ModuleTreeFixture | undefined;
  const mounts: string[] = [];
  let n = 0;
  beforeAll(async () => {
    assertBuilt();
    work = mkdtempSync(workPrefix);
    tree = await makeModuleTree('none', [...modules]);
  }, 60_000);
  afterAll(async () => {
    for (const m of mounts.reverse()) spawnSync('umount', [m]);
    await tree?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return {
    get work() {
      return work;
    },
    get tree() {
      if (!tree) throw new Error('smallBuildFixture: used before beforeAll ran');
      return tree;
    },
    dirs(over = {}) {
      const root = join(work, `run-${++n}`);
      mkdirSync(root);
      const d: BuildDirs = { conf: smallConf(join(root, 'genkernel.conf'), modules), prefix: this.tree.baseDir, boot: join(root, 'boot'), tmp: join(root, 'tmp'), log: join(root, 'log'), ...over };
      mkdirSync(d.boot, { recursive: true });
      mkdirSync(d.tmp, { recursive: true });
      return d;
    },
    tmpfs(dir, size) {
      mkdirSync(dir, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
      mounts.push(dir);
      return dir;
    },
  };
}
