import type { Settings } from '../config/option-table.js';
import { chooseConfigSource, readConfigText, SYSTEM_CONFIG_LOCATIONS, type ConfigLocations, type ConfigSource } from './config-source.js';
import { KernelConfig } from './kconfig.js';
import { kernelTree, type KernelTree } from './kernel-make.js';
import { kernelVersionFromSources } from './kernel-version.js';

export interface StartingConfig {
  tree: KernelTree;
  /** The release the sources give before configure runs. */
  version: string;
  source: ConfigSource;
  /** The chosen file's options; undefined when the build starts from defconfig. */
  config?: KernelConfig;
}

/**
 * What configure will start from, found without writing anything: the checks that run before
 * configure (build prerequisites) and --dry-run read the same answer configure acts on.
 */
export async function startingConfig(settings: Settings, where: ConfigLocations = SYSTEM_CONFIG_LOCATIONS): Promise<StartingConfig> {
  const tree = kernelTree(settings);
  const version = await kernelVersionFromSources(tree.sourceDir, tree.outputDir);
  const source = chooseConfigSource(settings.KERNEL_CONFIG, version, where);
  const config = source.kind === 'file' ? KernelConfig.parse(await readConfigText(source.path)) : undefined;
  return { tree, version, source, ...(config ? { config } : {}) };
}
