import type { Settings } from '../config/option-table.js';
import { expandFilename } from '../install/filenames.js';
import { chooseConfigSource, readConfigText, SYSTEM_CONFIG_LOCATIONS, type ConfigChoiceInput, type ConfigLocations, type ConfigSource } from './config-source.js';
import { KernelConfig } from './kconfig.js';
import { kernelTree, type KernelTree } from './kernel-make.js';
import { hostMachine, kernelVersionFromSources } from './kernel-version.js';

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
  const source = chooseConfigSource(configChoiceFor(settings, version), where);
  const config = source.kind === 'file' ? KernelConfig.parse(await readConfigText(source.path)) : undefined;
  return { tree, version, source, ...(config ? { config } : {}) };
}

/** What the config search needs from the settings, for the tree that builds `kv`. */
export function configChoiceFor(settings: Settings, kv: string): ConfigChoiceInput {
  const arch = hostMachine();
  return {
    setting: settings.KERNEL_CONFIG,
    kv,
    localversion: localVersion(settings.KERNEL_LOCALVERSION, settings.KERNEL_APPEND_LOCALVERSION, arch),
    defaultConfig: settings.DEFAULT_KERNEL_CONFIG.replaceAll('%%ARCH%%', arch),
    arch,
    savedName: expandFilename(settings.KERNEL_CONFIG_FILENAME, { kv, arch }),
  };
}

/**
 * KERNEL_LOCALVERSION followed by KERNEL_APPEND_LOCALVERSION, genkernel's %%ARCH%% expanded;
 * undefined when neither is set (the tree's own CONFIG_LOCALVERSION stays).
 */
export function localVersion(setting: string, append: string, arch: string): string | undefined {
  if (!setting && !append) return undefined;
  const base = setting === 'UNSET' && append ? '' : setting;
  return `${base}${append}`.replaceAll('%%ARCH%%', arch);
}
