import type { CommandName } from './context.js';
import type { Stage } from './pipeline.js';
import { preflightStage } from './stages/preflight.js';
import { resolveKernelStage } from './stages/resolve-kernel.js';
import { checkModuleCompressionStage } from './stages/check-module-compression.js';
import { depmodStage } from './stages/depmod.js';
import { selectModulesStage } from './stages/select-modules.js';
import { imageBaseStage } from './stages/image-base.js';
import { stageModulesStage } from './stages/stage-modules.js';
import { buildToolsStage } from './stages/build-tools.js';
import { installFeaturesStage, overlayStage } from './stages/install-features.js';
import { earlyMicrocodeStage } from './stages/early-microcode.js';
import { assembleStage } from './stages/assemble.js';
import { installInitramfsStage } from './stages/install-initramfs.js';
import { kernelPrerequisitesStage } from './stages/kernel-prerequisites.js';
import { kernelPlanStage } from './stages/kernel-plan.js';
import { kernelConfigureStage } from './stages/kernel-configure.js';
import { kernelCompileStage } from './stages/kernel-compile.js';
import { kernelInstallStage } from './stages/kernel-install.js';
import { modulesInstallStage } from './stages/modules-install.js';
import { mountBootStage, unmountBootStage } from './install/mountboot.js';
import { packageChecksStage, packagesStage } from './stages/packages.js';
import { kerncacheMatchStage, kerncacheRestoreStage, kerncacheWriteStage } from './stages/kerncache.js';

/**
 * The stage lists each command runs. Reading this file top to bottom is reading the build.
 * Checks come first, writes to the boot dir last.
 */
export const INITRAMFS_PIPELINE: readonly Stage[] = [
  resolveKernelStage,
  checkModuleCompressionStage,
  depmodStage,
  selectModulesStage,
  imageBaseStage,
  stageModulesStage,
  buildToolsStage,
  installFeaturesStage,
  overlayStage,
  earlyMicrocodeStage,
  assembleStage,
  packagesStage,
  installInitramfsStage,
];

/**
 * configure → the module compression check (before an hour of compiling) → compile →
 * modules_install (into a staging tree, swapped in whole). The kernel image is installed into the
 * boot dir last: with `all`, right before the initramfs, so a failed initramfs build leaves the
 * boot dir as it was. bzImage builds and installs the kernel image alone, as genkernel's does.
 */
const BUILD_KERNEL: readonly Stage[] = [kernelPrerequisitesStage, kernelConfigureStage, checkModuleCompressionStage, kernelCompileStage, modulesInstallStage];
const INITRAMFS_AFTER_KERNEL = INITRAMFS_PIPELINE.filter((s) => s !== checkModuleCompressionStage && s !== installInitramfsStage);

/**
 * Every command starts by mounting the boot dir when fstab has it (--mountboot) and checking it
 * is writable, so a non-root user hears it before any work; it ends by putting the mount back.
 */
export function stagesFor(command: CommandName, opts: { kernelSources?: boolean } = {}): readonly Stage[] {
  // --no-kernel-sources: the kernel and its modules come from --kerncache instead of a build.
  // --kerncache: after configure and the compression check, a matching cache replaces compile and modules_install.
  const built = BUILD_KERNEL.flatMap((s) => (s === checkModuleCompressionStage ? [s, kerncacheMatchStage] : [s]));
  const kernel = opts.kernelSources === false ? [kerncacheRestoreStage] : [...built, kerncacheWriteStage];
  const middle: Record<CommandName, readonly Stage[]> = {
    initramfs: INITRAMFS_PIPELINE,
    all: [...kernel, ...INITRAMFS_AFTER_KERNEL, kernelInstallStage, installInitramfsStage],
    kernel: [...kernel, packagesStage, kernelInstallStage],
    bzImage: [kernelPrerequisitesStage, kernelConfigureStage, kernelCompileStage, kernelInstallStage],
  };
  return [mountBootStage, preflightStage, packageChecksStage, ...middle[command], unmountBootStage];
}

/**
 * --dry-run: nothing is written, so configure and compile (which write into the tree) do not run.
 * A kernel command instead says what it would start from and runs the checks that need no build;
 * the initramfs of `all` depends on modules that do not exist yet, so its plan stops there.
 */
export function dryRunStagesFor(command: CommandName): readonly Stage[] {
  if (command === 'initramfs') return stagesFor(command);
  return [packageChecksStage, kernelPrerequisitesStage, kernelPlanStage, ...(command === 'bzImage' ? [] : [checkModuleCompressionStage])];
}
