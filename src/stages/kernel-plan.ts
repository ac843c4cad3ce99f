import { checkedModuleCompressionOf } from '../kmod/compression.js';
import { moduleDirFor } from './resolve-kernel.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { startingConfig } from '../kernel/starting-config.js';
import type { Stage } from '../pipeline.js';

/**
 * --dry-run of the kernel commands: configure and compile write into the tree, so they do not
 * run; this says what they would start from, and gives the checks after it (module compression)
 * the kernel facts that config implies. Nothing is written.
 */
export const kernelPlanStage: Stage = {
  name: 'kernel-plan',
  describe: 'say which kernel and config a build would use (--dry-run)',
  enabled: () => true,
  async run(ctx) {
    const start = await startingConfig(ctx.settings);
    const from = start.source.kind === 'file' ? `${start.source.path} (${start.source.why})` : `make defconfig (${start.source.why})`;
    if (start.config && start.source.kind === 'file') {
      ctx.kernel = {
        version: start.version,
        arch: hostMachine(),
        config: start.config,
        configPath: start.source.path,
        sourceDir: start.tree.sourceDir,
        outputDir: start.tree.outputDir,
        moduleDir: moduleDirFor(ctx.settings, start.version),
        moduleCompression: checkedModuleCompressionOf(start.config, start.source.path),
      };
    }
    return `would build ${start.version} in ${start.tree.outputDir}, configured from ${from}`;
  },
};
