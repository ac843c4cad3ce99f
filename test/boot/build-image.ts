/**
 * Build an initramfs the way a user would: `bin/tsgenkernel initramfs ...` against the
 * fixture's kernel and zstd module tree, into a fresh boot dir of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, type BootFixture } from './fixture.js';
import { TEST_CACHEDIR, TEST_DISTDIR } from '../shared-cache.js';
import { buildDist } from '../build-dist.js';

export interface BuildResult {
  exitCode: number;
  /** Everything this build wrote (boot dir, log); remove it when done. */
  workDir: string;
  /** stdout and stderr of the CLI. */
  output: string;
  bootDir: string;
  /** The installed initramfs (undefined when the build failed or installed nothing). */
  image?: string;
  /** Every entry the boot dir holds afterwards. */
  bootDirEntries: string[];
  ms: number;
}

let distBuilt = false;

/**
 * dist/ must match the sources; tsc emits even when files elsewhere have type errors. Under the
 * main suite the global setup builds it once before any test file starts (TSGK_DIST_BUILT): a
 * rebuild here while another file runs the CLI would hand it half-written modules.
 */
export function ensureDist(): void {
  if (distBuilt || process.env.TSGK_DIST_BUILT === '1') return;
  buildDist();
  distBuilt = true;
}

export function buildImage(fx: BootFixture, extraArgs: string[], name = 'img'): BuildResult {
  ensureDist();
  const work = mkdtempSync(join(fx.scratch, `${name}-`));
  const bootDir = join(work, 'boot');
  const tmp = join(work, 'tmp');
  mkdirSync(bootDir);
  mkdirSync(tmp);
  const args = [
    join(REPO, 'bin', 'tsgenkernel'),
    'initramfs',
    `--kernel-version=${fx.kv}`,
    `--kernel-modules-prefix=${fx.zstdModulesPrefix}`,
    `--kernel-config=${fx.zstdConfig}`,
    `--bootdir=${bootDir}`,
    '--no-mountboot',
    `--tmpdir=${tmp}`,
    // One tool cache for every test (the global setup fills it): static busybox and kmod
    // compile once per machine. TSGK_TEST_CACHEDIR / DISTDIR override.
    `--cachedir=${TEST_CACHEDIR}`,
    `--distdir=${TEST_DISTDIR}`,
    `--logfile=${join(work, 'build.log')}`,
    // Not this machine's /etc/modprobe.d (its options would now act at boot): a scenario that
    // wants one passes its own --modprobedir, which comes later and wins.
    '--modprobedir=',
    ...extraArgs,
  ];
  const started = performance.now();
  // bin/tsgenkernel is a sh launcher (it sets malloc tunables before node starts): run it directly.
  const res = spawnSync(args[0]!, args.slice(1), { cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
  const ms = Math.round(performance.now() - started);
  rmSync(tmp, { recursive: true, force: true });
  const bootDirEntries = readdirSync(bootDir);
  const image = bootDirEntries
    .filter((e) => e.startsWith('initramfs') && !e.endsWith('.old') && lstatSync(join(bootDir, e)).isFile())
    .map((e) => join(bootDir, e))[0];
  return {
    exitCode: res.status ?? 1,
    workDir: work,
    output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}`,
    bootDir,
    image: res.status === 0 ? image : undefined,
    bootDirEntries,
    ms,
  };
}

/** Build that must succeed; the CLI's output is in the error otherwise. */
export function buildImageOk(fx: BootFixture, extraArgs: string[], name?: string): BuildResult & { image: string } {
  const r = buildImage(fx, extraArgs, name);
  if (r.exitCode !== 0 || !r.image) {
    throw new Error(`tsgenkernel initramfs ${extraArgs.join(' ')} failed (exit ${r.exitCode}):\n${r.output}`);
  }
  return r as BuildResult & { image: string };
}

// Kept here too: other boot tests import it from this module.
export { listImage } from './image-files.js';
