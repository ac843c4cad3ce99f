import type { OptionKey, Settings } from './config/option-table.js';
import type { Source } from './config/settings.js';
import type { Logger } from './log.js';
import type { KernelConfig } from './kernel/kconfig.js';
import type { ModuleCompression } from './kmod/compression.js';
import type { ModulePlan } from './kmod/types.js';
import type { ImageTree } from './image/image-tree.js';
import type { BuiltTool } from './gkbuild/types.js';
import type { UkiPlan } from './uki/plan.js';

export type CommandName = 'all' | 'kernel' | 'bzImage' | 'initramfs';

/** What is known about the kernel being packaged. Set by the resolve-kernel stage. */
export interface KernelFacts {
  /** KV: the kernel release, as `uname -r` prints it */
  version: string;
  arch: string;
  config: KernelConfig;
  configPath: string;
  /** Source and build dirs; absent when packaging an installed kernel by --kernel-version. */
  sourceDir?: string;
  outputDir?: string;
  /** ${KERNEL_MODULES_PREFIX}/lib/modules/KV */
  moduleDir: string;
  /** What CONFIG_MODULE_COMPRESS_* says modules_install writes. */
  moduleCompression: ModuleCompression;
}

/** What the build produced; read by the summary and by `all` for the kernel half. */
export interface BuildOutputs {
  kernelImage?: string;
  systemMap?: string;
  image?: { path: string; installedAs?: string; bytes: number; compressor: string; moduleCount: number };
  /** The unified kernel image (--uki), built in the temp dir, then installed on the ESP. */
  uki?: { path: string; installedAs?: string; bytes: number; signed: boolean };
}

/**
 * The one object every stage reads and extends. Stages add typed facts here; no stage reads
 * another stage's temp files behind the context's back.
 */
export interface BuildContext {
  command: CommandName;
  settings: Settings;
  /** Where each setting came from: a default may give way on a host that cannot serve it (keymaps). */
  settingSources?: ReadonlyMap<OptionKey, Source>;
  /** MODULES_<group> / AMODULES_<group> assignments from genkernel.conf. */
  moduleGroupOverrides: ReadonlyMap<string, string>;
  /** The user's genkernel settings that tsgenkernel does not offer (one warning line each). */
  notOffered?: readonly string[];
  log: Logger;
  dryRun: boolean;
  paths: {
    /** Private temp dir for this run (under TMPDIR); removed on exit unless --no-cleanup. */
    tmp: string;
    cache: string;
    distdir: string;
    bootdir: string;
  };
  kernel?: KernelFacts;
  /** Static tools built or taken from the cache, by recipe name. */
  tools: Map<string, BuiltTool>;
  modules?: ModulePlan;
  /** The image being assembled: staged files plus synthetic entries (device nodes). */
  image?: ImageTree;
  /** What the UKI is made of and where it goes (--uki); set by the uki-check stage. */
  uki?: UkiPlan;
  /** Uncompressed archive placed before the main one (early microcode); empty = none. */
  earlyImage?: ImageTree;
  outputs: BuildOutputs;
  /** Set when --kerncache matched (or --no-kernel-sources): compile and modules_install do not run. */
  kernelFromCache?: boolean;
  /** Undo actions run (last first) when the run fails or is interrupted. */
  cleanups: Array<() => void | Promise<void>>;
  /**
   * Files and directories outside the temp dir that a stage is writing now under a temporary name
   * (a cache entry, an archive beside its final name). An interrupted run removes them together
   * with the temp dir, at the very end, when the abandoned stage can no longer queue a write.
   */
  scratchPaths: Set<string>;
  /**
   * Set by `check` while it runs a stage's own checks: findings are collected here and become
   * check lines. Unset during a build, where they are warnings.
   */
  findings?: Finding[];
}

/** Something a stage noticed that does not stop the build (a missing optional module, leftovers). */
export interface Finding {
  text: string;
  hint?: string;
}

/** How a stage reports a finding: a warning in a build, a line of `check`. */
export function report(ctx: BuildContext, finding: Finding): void {
  if (ctx.findings) ctx.findings.push(finding);
  else ctx.log.warn(finding.text);
}

/** Fetch a fact a previous stage must have set; a missing one is a pipeline ordering bug. */
export function need<K extends 'kernel' | 'modules' | 'image'>(ctx: BuildContext, key: K): NonNullable<BuildContext[K]> {
  const value = ctx[key];
  if (value === undefined || value === null) {
    throw new Error(`internal: stage needs ctx.${key}, which no earlier stage set`);
  }
  return value as NonNullable<BuildContext[K]>;
}
