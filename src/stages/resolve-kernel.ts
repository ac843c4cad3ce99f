import { access, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { release } from 'node:os';
import type { Stage } from '../pipeline.js';
import { need, type BuildContext, type KernelFacts } from '../context.js';
import type { Settings } from '../config/option-table.js';
import { GkError } from '../errors.js';
import { KernelConfig } from '../kernel/kconfig.js';
import type { KernelTree } from '../kernel/kernel-make.js';
import { hostMachine, kernelVersionFromSources } from '../kernel/kernel-version.js';
import { checkedModuleCompressionOf } from '../kmod/compression.js';

const exists = (p: string) => access(p).then(() => true, () => false);

/** ${KERNEL_MODULES_PREFIX}/lib/modules, the prefix defaulting to /. */
export function modulesRoot(settings: Pick<Settings, 'KERNEL_MODULES_PREFIX'>): string {
  // Absolute: make runs with -C, so a relative INSTALL_MOD_PATH would land in the source tree,
  // and the module dir named in messages and hints must not depend on the current directory.
  return join(resolve(settings.KERNEL_MODULES_PREFIX || '/'), 'lib/modules');
}

/** The one module-dir derivation: ${KERNEL_MODULES_PREFIX}/lib/modules/KV, absolute. */
export function moduleDirFor(settings: Pick<Settings, 'KERNEL_MODULES_PREFIX'>, kv: string): string {
  return join(modulesRoot(settings), kv);
}

/**
 * Whether the image carries modules at all: RAMDISKMODULES and a kernel built with
 * CONFIG_MODULES. The one test every module stage (and the module dir's existence check) asks.
 */
export function modulesWanted(settings: Pick<Settings, 'RAMDISKMODULES'>, config: KernelConfig): boolean {
  return settings.RAMDISKMODULES && config.enabled('MODULES');
}

/** modulesWanted for the resolved kernel: the `enabled` of the module stages. */
export function imageCarriesModules(ctx: BuildContext): boolean {
  return modulesWanted(ctx.settings, need(ctx, 'kernel').config);
}

/**
 * Where the kernel's config comes from, in order: --kernel-config, the build dir's .config
 * (when building from sources), BOOTDIR/config-KV (then /boot's), the module dir's build/.config, and
 * /proc/config.gz when KV is the running kernel.
 */
export async function findKernelConfig(ctx: BuildContext, kv: string, moduleDir: string, buildDir?: string): Promise<string> {
  const s = ctx.settings;
  if (s.KERNEL_CONFIG && s.KERNEL_CONFIG !== 'default') {
    if (!(await exists(s.KERNEL_CONFIG))) throw new GkError(`kernel config ${s.KERNEL_CONFIG} does not exist`, 'pass an existing file with --kernel-config=FILE');
    return s.KERNEL_CONFIG;
  }
  const candidates = [
    ...(buildDir ? [join(buildDir, '.config')] : []),
    join(ctx.paths.bootdir, `config-${kv}`),
    // Installing into another boot dir (a chroot's, a test's) still finds the installed kernel's config.
    ...(ctx.paths.bootdir !== '/boot' ? [`/boot/config-${kv}`] : []),
    join(moduleDir, 'build', '.config'),
    ...(kv === release() ? ['/proc/config.gz'] : []),
  ];
  for (const c of candidates) if (await exists(c)) return c;
  throw new GkError(`no kernel config found for ${kv} (looked at ${candidates.join(', ')})`, 'pass one with --kernel-config=FILE');
}

export const resolveKernelStage: Stage = {
  name: 'resolve-kernel',
  describe: 'find the kernel version, its config and its module directory',
  enabled: (ctx) => ctx.kernel === undefined,
  async run(ctx) {
    const s = ctx.settings;
    let kv = s.KERNEL_VERSION;
    let sourceDir: string | undefined;
    let outputDir: string | undefined;
    if (!kv) {
      sourceDir = s.KERNEL_DIR;
      outputDir = s.KERNEL_OUTPUTDIR || s.KERNEL_DIR;
      if (!(await exists(sourceDir))) {
        throw new GkError(`kernel source directory ${sourceDir} does not exist`, 'pass --kerneldir=DIR, or --kernel-version=KV to package an installed kernel');
      }
      kv = await kernelVersionFromSources(sourceDir, outputDir);
    }
    const moduleDir = moduleDirFor(s, kv);
    const configPath = await findKernelConfig(ctx, kv, moduleDir, outputDir);
    const config = await KernelConfig.load(configPath);
    if (modulesWanted(s, config)) {
      const st = await stat(moduleDir).catch(() => undefined);
      if (!st?.isDirectory()) {
        throw new GkError(
          `module directory ${moduleDir} does not exist`,
          s.KERNEL_MODULES_PREFIX ? 'check --kernel-modules-prefix, or run `make modules_install` first' : 'install the modules (`make modules_install`), or pass --kernel-modules-prefix=DIR',
        );
      }
    }
    ctx.kernel = {
      version: kv,
      // genkernel's %%ARCH%% is the machine name (x86_64), not the kernel's ARCH= (x86).
      arch: hostMachine(),
      config,
      configPath,
      sourceDir,
      outputDir,
      moduleDir,
      moduleCompression: checkedModuleCompressionOf(config, configPath),
    };
    return `${kv} (${configPath})`;
  },
};

/**
 * The same facts for a configured (or built) tree. Called again after the compile, when
 * include/config/kernel.release holds the final KV (configuredOnly: the KV the config gives,
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
    moduleDir: moduleDirFor(settings, version),
    moduleCompression: checkedModuleCompressionOf(config, configPath),
  };
}
