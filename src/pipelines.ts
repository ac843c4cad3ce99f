import type { CommandName } from './context.js';
import type { Stage } from './pipeline.js';
import { preflightStage } from './stages/preflight.js';
import { resolveKernelStage } from './stages/resolve-kernel.js';
import { moduleCompressionStage } from './stages/module-compression.js';
import { moduleIndexStage } from './stages/module-index.js';
import { selectModulesStage } from './stages/select-modules.js';
import { imageBaseStage } from './stages/image-base.js';
import { copyModulesStage } from './stages/copy-modules.js';
import { buildToolsStage } from './stages/build-tools.js';
import { installFeaturesStage } from './stages/install-features.js';
import { overlayStage } from './stages/overlay.js';
import { earlyMicrocodeStage } from './stages/early-microcode.js';
import { assembleStage } from './stages/assemble.js';
import { installInitramfsStage } from './stages/install-initramfs.js';
import { kernelPrerequisitesStage } from './stages/kernel-prerequisites.js';
import { kernelPlanStage } from './stages/kernel-plan.js';
import { kernelConfigureStage } from './stages/kernel-configure.js';
import { kernelCompileStage } from './stages/kernel-compile.js';
import { kernelInstallStage } from './stages/kernel-install.js';
import { modulesInstallStage } from './stages/modules-install.js';
import { mountBootStage } from './stages/mount-boot.js';
import { unmountBootStage } from './stages/unmount-boot.js';
import { ukiCheckStage } from './stages/uki-check.js';
import { ukiBuildStage } from './stages/uki.js';
import { ukiInstallStage } from './stages/uki-install.js';
import { moduleRebuildStage } from './stages/module-rebuild.js';
import { callbackStage } from './stages/callback.js';
import { bootloaderStage } from './stages/bootloader.js';
import { packageChecksStage } from './stages/package-checks.js';
import { packagesStage } from './stages/packages.js';
import { kerncacheMatchStage } from './stages/kerncache-match.js';
import { kerncacheRestoreStage } from './stages/kerncache-restore.js';
import { kerncacheWriteStage } from './stages/kerncache.js';
import { kernelIntegrateInitramfsStage } from './stages/kernel-integrate-initramfs.js';

/**
 * The stage lists each command runs. Reading this file top to bottom is reading the build.
 * Checks come first, writes to the boot dir last.
 */
export const INITRAMFS_PIPELINE: readonly Stage[] = [
  resolveKernelStage,
  moduleCompressionStage,
  moduleIndexStage,
  selectModulesStage,
  imageBaseStage,
  copyModulesStage,
  buildToolsStage,
  installFeaturesStage,
  overlayStage,
  earlyMicrocodeStage,
  assembleStage,
  ukiBuildStage,
  packagesStage,
  installInitramfsStage,
  ukiInstallStage,
];

/**
 * configure → the module compression check (before an hour of compiling) → compile →
 * modules_install (into a staging tree, swapped in whole). The kernel image is installed into the
 * boot dir last: with `all`, right before the initramfs, so a failed initramfs build leaves the
 * boot dir as it was. bzImage builds and installs the kernel image alone, as genkernel's does.
 */
const BUILD_KERNEL: readonly Stage[] = [kernelPrerequisitesStage, kernelConfigureStage, moduleCompressionStage, kernelCompileStage, modulesInstallStage, moduleRebuildStage, callbackStage];
const INSTALLS: readonly Stage[] = [installInitramfsStage, ukiInstallStage];
// --integrated-initramfs: once the image is assembled (and before the packages), the kernel is
// relinked with it inside. It excludes --uki, whose build follows assemble directly.
const INITRAMFS_AFTER_KERNEL = INITRAMFS_PIPELINE.filter((s) => s !== moduleCompressionStage && !INSTALLS.includes(s)).flatMap((s) =>
  s === ukiBuildStage ? [s, kernelIntegrateInitramfsStage] : [s],
);

/**
 * Every command starts by mounting the boot dir when fstab has it (--mountboot) and checking it
 * is writable, so a non-root user hears it before any work (with --uki: the stub, ESP, command
 * line and signing pair too); it ends by putting the mount back.
 */
export function stagesFor(command: CommandName, opts: { kernelSources?: boolean } = {}): readonly Stage[] {
  // --no-kernel-sources: the kernel and its modules come from --kerncache instead of a build.
  // --kerncache: after configure and the compression check, a matching cache replaces compile and modules_install.
  const built = BUILD_KERNEL.flatMap((s) => (s === moduleCompressionStage ? [s, kerncacheMatchStage] : [s]));
  const kernel = opts.kernelSources === false ? [kerncacheRestoreStage] : [...built, kerncacheWriteStage];
  const middle: Record<CommandName, readonly Stage[]> = {
    initramfs: INITRAMFS_PIPELINE,
    all: [...kernel, ...INITRAMFS_AFTER_KERNEL, kernelInstallStage, ...INSTALLS, bootloaderStage],
    kernel: [...kernel, packagesStage, kernelInstallStage, bootloaderStage],
    bzImage: [kernelPrerequisitesStage, kernelConfigureStage, kernelCompileStage, kernelInstallStage, bootloaderStage],
  };
  return [mountBootStage, preflightStage, ukiCheckStage, packageChecksStage, ...middle[command], unmountBootStage];
}

/**
 * --dry-run: nothing is written, so configure and compile (which write into the tree) do not run.
 * A kernel command instead says what it would start from and runs the checks that need no build;
 * the initramfs of `all` depends on modules that do not exist yet, so its plan stops there.
 */
export function dryRunStagesFor(command: CommandName): readonly Stage[] {
  if (command === 'initramfs') return stagesFor(command);
  return [packageChecksStage, kernelPrerequisitesStage, kernelPlanStage, ...(command === 'bzImage' ? [] : [moduleCompressionStage])];
}
