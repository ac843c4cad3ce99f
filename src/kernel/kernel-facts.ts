import { join, resolve } from 'node:path';
import type { Settings } from '../config/option-table.js';
import type { KernelFacts } from '../context.js';
import { checkedModuleCompressionOf } from '../kmod/compression.js';
import { KernelConfig } from './kconfig.js';
import type { KernelTree } from './kernel-make.js';
import { hostMachine, kernelVersionFromSources } from './kernel-version.js';

/** ${KERNEL_MODULES_PREFIX}/lib/modules, the prefix defaulting to /. */
export function modulesRoot(settings: Pick<Settings, 'KERNEL_MODULES_PREFIX'>): string {
  // Absolute: make runs with -C, so a relative INSTALL_MOD_PATH would land in the source tree.
  return join(resolve(settings.KERNEL_MODULES_PREFIX || '/'), 'lib/modules');
}

/**
 * The facts later stages need about a configured (or built) tree. Called again after the compile,
 * when include/config/kernel.release holds the final KV (configuredOnly: the KV the config gives,
 * ignoring a kernel.release left by an earlier build). `arch` is the uname -m name, what %%ARCH%%
 * in file names expands to; make's ARCH= comes from kernelArch().
 */
export async function kernelFactsFromTree(
  tree: KernelTree,
  settings: Pick<Settings, 'KERNEL_MODULES_PREFIX'>,
  opts: { configuredOnly?: boolean } = {},
): Promise<KernelFacts> {
  const configPath = join(tree.outputDir, '.config');
  const config = await KernelConfig.load(configPath);
  // Right after configure, a kernel.release left by an earlier build may name another version.
  const version = await kernelVersionFromSources(tree.sourceDir, tree.outputDir, { ignoreRecorded: opts.configuredOnly });
  return {
    version,
    arch: hostMachine(),
    config,
    configPath,
    sourceDir: tree.sourceDir,
    outputDir: tree.outputDir,
    moduleDir: join(modulesRoot(settings), version),
    moduleCompression: checkedModuleCompressionOf(config, configPath),
  };
}
