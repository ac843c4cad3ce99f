import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { release } from 'node:os';
import type { Stage } from '../pipeline.js';
import type { BuildContext } from '../context.js';
import { GkError } from '../errors.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { hostMachine, kernelVersionFromSources } from '../kernel/kernel-version.js';
import { checkedModuleCompressionOf } from '../kmod/compression.js';

const exists = (p: string) => access(p).then(() => true, () => false);

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
  name: 'resolve kernel',
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
    const moduleDir = join(s.KERNEL_MODULES_PREFIX || '/', 'lib', 'modules', kv);
    const configPath = await findKernelConfig(ctx, kv, moduleDir, outputDir);
    const config = await KernelConfig.load(configPath);
    if (s.RAMDISKMODULES && config.enabled('MODULES')) {
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
