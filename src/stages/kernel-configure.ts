import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { chooseCompressor, hostCompressorTools } from '../image/compressors.js';
import type { Stage } from '../pipeline.js';
import { chooseConfigSource, GIVEN_WITH_FLAG, readConfigText, SYSTEM_CONFIG_LOCATIONS, type ConfigLocations, type ConfigSource } from '../kernel/config-source.js';
import { enforceOptions } from '../kernel/enforce-options.js';
import { setConfigString } from '../kernel/kconfig-edit.js';
import { kernelFactsFromTree } from './resolve-kernel.js';
import { kernelMake, kernelTree, type KernelTree } from '../kernel/kernel-make.js';
import { hostMachine, kernelVersionFromSources } from '../kernel/kernel-version.js';
import { configChoiceFor, localVersion } from '../kernel/starting-config.js';
import { requiredKernelOptions } from '../kernel/required-options.js';
import { featureKernelOptions } from '../kernel/feature-options.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { kernelArchOf, kernelToolchain } from '../kernel/toolchain.js';

export interface KernelConfigureDeps {
  locations?: ConfigLocations;
  /** The compressor the image will be written with; by default the assemble stage's own choice. */
  resolveCompressor?: (ctx: BuildContext) => Promise<string | undefined>;
}

/**
 * Configure: pick the starting config (--kernel-config, the running kernel's, or defconfig),
 * put it in the output dir, apply --kernel-localversion, run olddefconfig and menuconfig/nconfig
 * when asked, then force on what the initramfs needs (one line per forced option).
 *
 * The module compression capability check belongs right after this stage: ctx.kernel
 * (moduleCompression included) is set here, before an hour of compiling.
 */
export function createKernelConfigureStage(deps: KernelConfigureDeps = {}): Stage {
  const where = deps.locations ?? SYSTEM_CONFIG_LOCATIONS;
  return {
    name: 'kernel-configure',
    describe: 'prepare the kernel .config and force the options the initramfs needs',
    enabled: (ctx) => !ctx.dryRun,
    async run(ctx) {
      const s = ctx.settings;
      const tree = kernelTree(s);
      // Validates the tree (a GkError with a hint when --kerneldir is wrong) and names the
      // version a saved /etc/kernels config would carry.
      const kvBefore = await kernelVersionFromSources(tree.sourceDir, tree.outputDir);
      refuseDirtySourceForOutputDir(tree);

      const source = chooseConfigSource(configChoiceFor(s, kvBefore), where);
      // Said first, at the default loglevel: which config the build starts from, and why that one.
      ctx.log.info(`kernel config: ${source.kind === 'file' ? source.path : `make defconfig in ${tree.outputDir}`} (${source.why})`);
      // Read before mrproper: the chosen file may be the .config mrproper is about to delete.
      const text = source.kind === 'file' ? await readConfigText(source.path) : undefined;

      const configPath = join(tree.outputDir, '.config');
      await refuseReplacingTreeConfig(source, configPath, text, s.REPLACE_TREE_CONFIG);
      await mkdir(tree.outputDir, { recursive: true });
      await keepUserConfig(ctx, configPath, text);
      if (s.MRPROPER) await kernelMake(ctx, tree, ['mrproper']);

      if (text !== undefined && source.kind === 'file') await writeFile(configPath, text);
      else await kernelMake(ctx, tree, ['defconfig']);

      const localversion = localVersion(s.KERNEL_LOCALVERSION, s.KERNEL_APPEND_LOCALVERSION, hostMachine());
      if (localversion !== undefined) {
        await writeFile(configPath, setConfigString(await readFile(configPath, 'utf8'), 'LOCALVERSION', localversion === 'UNSET' ? '' : localversion));
      }

      if (s.OLDCONFIG || localversion !== undefined) await kernelMake(ctx, tree, ['olddefconfig']);
      if (s.MENUCONFIG) await kernelMake(ctx, tree, ['menuconfig'], { interactive: true });
      if (s.NCONFIG) await kernelMake(ctx, tree, ['nconfig'], { interactive: true });

      // A built-in initramfs left in the config (an earlier --integrated-initramfs) would shadow the one built now.
      const settled = await readFile(configPath, 'utf8');
      if (KernelConfig.parse(settled).get('INITRAMFS_SOURCE')) {
        await writeFile(configPath, setConfigString(settled, 'INITRAMFS_SOURCE', ''));
        await kernelMake(ctx, tree, ['olddefconfig']);
        ctx.log.info('kernel config: CONFIG_INITRAMFS_SOURCE emptied: the initramfs is built by tsgenkernel (--integrated-initramfs sets it after)');
      }

      const arch = kernelToolchain(s).cross?.arch ?? kernelArchOf(hostMachine());
      const required = [
        ...requiredKernelOptions(s, await (deps.resolveCompressor ?? imageCompressor)(ctx)),
        ...featureKernelOptions(s, kvBefore, arch),
      ];
      const forced = await enforceOptions(configPath, required, async () => {
        await kernelMake(ctx, tree, ['olddefconfig']);
      });
      for (const f of forced) ctx.log.info(`kernel config: CONFIG_${f.option}=${f.now} forced (was ${f.was}): ${f.reason}`);

      ctx.kernel = await kernelFactsFromTree(tree, s, { configuredOnly: true });
      return `${ctx.kernel.version}${forced.length ? `, ${forced.length} option${forced.length > 1 ? 's' : ''} forced` : ''}`;
    },
  };
}

export const kernelConfigureStage = createKernelConfigureStage();

/**
 * What the assemble stage will pick, asked the same way but before the kernel config exists
 * (every RD_ option counts as available, since the ones needed are about to be forced on):
 * best/fastest become the first compressor of their list the host has tools for. A type whose
 * tool is missing fails here, before the compile, rather than after it.
 */
async function imageCompressor(ctx: BuildContext): Promise<string | undefined> {
  if (!ctx.settings.COMPRESS_INITRD) return undefined;
  const hostHas = await hostCompressorTools();
  const choice = chooseCompressor(ctx.settings, undefined, hostHas);
  return choice.name === 'none' ? undefined : choice.name;
}

/**
 * Kbuild refuses an O= build when the source tree itself was configured; say so before any
 * work, with the fix, instead of failing inside make.
 */
function refuseDirtySourceForOutputDir(tree: KernelTree): void {
  if (tree.outputDir === tree.sourceDir) return;
  if (existsSync(join(tree.sourceDir, '.config')) || existsSync(join(tree.sourceDir, 'include/config'))) {
    throw new GkError(
      `${tree.sourceDir} has been configured in place, so it cannot also build into --kernel-outputdir=${tree.outputDir}`,
      `run 'make mrproper' in ${tree.sourceDir} (save its .config first), or build without --kernel-outputdir`,
    );
  }
}

/**
 * The tree's own .config is the user's work: when the config chosen by the search differs from
 * it, stop before anything is touched and name both ways out. A file given with --kernel-config
 * is the user's explicit choice and replaces it (kept as .config.tsgk-previous), as does the
 * confirming flag.
 */
export async function refuseReplacingTreeConfig(source: ConfigSource, configPath: string, chosen: string | undefined, confirmed: boolean): Promise<void> {
  if (confirmed || (source.kind === 'file' && source.why === GIVEN_WITH_FLAG)) return;
  const current = await readFile(configPath, 'utf8').catch(() => undefined);
  if (current === undefined || current === chosen) return;
  const chosenName = source.kind === 'file' ? source.path : 'make defconfig';
  throw new GkError(
    `${configPath} differs from the kernel config this build would start from, ${chosenName} (${source.why})`,
    `use the tree's own with --kernel-config=${configPath}, or replace it with --replace-tree-config (the current one is kept as .config.tsgk-previous)`,
  );
}

/** A .config about to be replaced (or wiped by mrproper) by a different one is kept beside it. */
async function keepUserConfig(ctx: BuildContext, configPath: string, next: string | undefined): Promise<void> {
  const current = await readFile(configPath, 'utf8').catch(() => undefined);
  if (current === undefined || current === next) return;
  const backup = `${configPath}.tsgk-previous`;
  await copyFile(configPath, backup);
  ctx.log.info(`kernel config: the previous ${configPath} is kept as ${backup}`, 2);
}
