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
  installInitramfsStage,
];

export function stagesFor(command: CommandName): readonly Stage[] {
  switch (command) {
    case 'initramfs':
      return [preflightStage, ...INITRAMFS_PIPELINE];
    case 'all':
    case 'kernel':
    case 'bzImage':
      return KERNEL_PIPELINES[command];
  }
}

/** Filled in by the kernel stages; see src/stages/kernel-*.ts. */
const KERNEL_PIPELINES: Record<'all' | 'kernel' | 'bzImage', readonly Stage[]> = {
  all: [],
  kernel: [],
  bzImage: [],
};
