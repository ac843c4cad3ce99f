import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Settings } from '../config/option-table.js';
import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { run, type RunResult } from '../exec.js';
import { kernelToolchain } from './toolchain.js';

/** Where the sources are and where make writes (O=); the same dir when no output dir is set. */
export interface KernelTree {
  sourceDir: string;
  outputDir: string;
}

export function kernelTree(settings: Pick<Settings, 'KERNEL_DIR' | 'KERNEL_OUTPUTDIR'>): KernelTree {
  if (!settings.KERNEL_DIR) {
    throw new GkError('no kernel source directory is set', 'pass --kerneldir=DIR (or set KERNEL_DIR in genkernel.conf)');
  }
  const sourceDir = resolve(settings.KERNEL_DIR);
  const outputDir = settings.KERNEL_OUTPUTDIR ? resolve(settings.KERNEL_OUTPUTDIR) : sourceDir;
  return { sourceDir, outputDir };
}

/** `make -C src [O=out]`: every kernel make starts like this so the output dir is never forgotten. */
export function makeDirArgs(tree: KernelTree): string[] {
  return ['-C', tree.sourceDir, ...(tree.outputDir !== tree.sourceDir ? [`O=${tree.outputDir}`] : [])];
}

/** MAKEOPTS as words; empty means one job per CPU, as genkernel does. */
export function makeOpts(makeopts: string): string[] {
  const words = makeopts.trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? words : [`-j${availableParallelism()}`];
}

export interface KernelMakeOptions {
  /** VAR=value arguments (INSTALL_MOD_PATH=...). */
  vars?: string[];
  /** Long builds: MAKEOPTS and the NICE level apply. Config targets run plain. */
  heavy?: boolean;
  interactive?: boolean;
  onLine?: (line: string) => void;
  allowFailure?: boolean;
  what?: string;
  hint?: string;
}

/** Runs make in the kernel tree with the context's logger; heavy targets under `nice` with MAKEOPTS. */
export async function kernelMake(
  ctx: BuildContext,
  tree: KernelTree,
  targets: string[],
  opts: KernelMakeOptions = {},
): Promise<RunResult> {
  // The toolchain goes to every make, config targets too: Kconfig probes the compiler it will build with.
  const tc = kernelToolchain(ctx.settings);
  const makeArgs = [...makeDirArgs(tree), ...(opts.heavy ? makeOpts(ctx.settings.MAKEOPTS) : []), ...tc.vars, ...(opts.vars ?? []), ...targets];
  const nice = opts.heavy && ctx.settings.NICE > 0 ? ['-n', String(Math.min(19, ctx.settings.NICE))] : undefined;
  return run(nice ? 'nice' : tc.make, nice ? [...nice, tc.make, ...makeArgs] : makeArgs, {
    log: ctx.log,
    interactive: opts.interactive,
    onLine: opts.onLine,
    allowFailure: opts.allowFailure,
    what: opts.what ?? `make ${targets.join(' ')}`,
    hint: opts.hint,
  });
}
