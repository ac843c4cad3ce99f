import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { run } from '../exec.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { modulesRoot } from './resolve-kernel.js';
import { swapModuleDir } from '../kernel/module-tree-swap.js';
import { checkedModuleCompressionOf } from '../kmod/compression.js';
import { configDigest, unpackKerncache, writeKerncache, type KerncacheVerdict } from '../package/kerncache.js';
import { checkArchiveDir } from '../package/tar-archive.js';
import type { Stage } from '../pipeline.js';
import { kernelToolchain } from '../kernel/toolchain.js';

/**
 * First line of `<compiler> --version` for the compiler the kernel make uses (gcc, the last word of
 * --kernel-cc, or the cross gcc): part of what makes two builds "the same".
 */
export async function toolchain(ctx: BuildContext): Promise<string> {
  const cc = kernelToolchain(ctx.settings).compiler;
  const r = await run(cc, ['--version'], { log: ctx.log, allowFailure: true });
  return r.exitCode === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : `no ${cc}`;
}

/**
 * After a successful compile (and modules_install), before the boot dir is written: the kernel
 * image, System.map, config and module tree go into --kerncache, with what decides "the same".
 */
export const kerncacheWriteStage: Stage = {
  name: 'kerncache',
  describe: 'write the kernel cache (--kerncache)',
  enabled: (ctx) => !!ctx.settings.KERNCACHE && ctx.settings.KERNEL_SOURCES && !ctx.dryRun && !ctx.kernelFromCache,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const { kernelImage, systemMap } = ctx.outputs;
    if (!kernelImage || !systemMap) throw new Error('internal: the kerncache stage needs kernel-compile before it');
    const dest = resolve(ctx.settings.KERNCACHE);
    const hasModules = await stat(kernel.moduleDir).then((s) => s.isDirectory(), () => false);
    const id = { arch: kernel.arch, sourceVersion: kernel.version, configDigest: configDigest(await readFile(kernel.configPath, 'utf8')), toolchain: await toolchain(ctx) };
    const bytes = await writeKerncache(dest, id, { kernelImage, systemMap, configPath: kernel.configPath, moduleDir: hasModules ? kernel.moduleDir : undefined }, { scratch: ctx.scratchPaths });
    return `${dest} (${(bytes / 1048576).toFixed(1)} MiB)`;
  },
};

/**
 * Unpacks a judged cache: the module tree beside the live one, swapped in whole; kernel,
 * System.map and config into the temp dir for kernel-install. Compile and modules_install are
 * then skipped (ctx.kernelFromCache).
 */
export async function restoreKernel(ctx: BuildContext, verdict: Extract<KerncacheVerdict, { use: true }>, path: string): Promise<string> {
  const kv = verdict.manifest.sourceVersion;
  const restored = await unpackKerncache(verdict, modulesRoot(ctx.settings));
  try {
    const keep = async (from: string, name: string) => {
      const to = join(ctx.paths.tmp, name);
      await copyFile(from, to);
      return to;
    };
    const configPath = await keep(restored.configPath, `config-${kv}`);
    const kernelImage = await keep(restored.kernelImage, `kernel-${kv}`);
    const systemMap = await keep(restored.systemMap, `System.map-${kv}`);
    const moduleDir = join(modulesRoot(ctx.settings), kv);
    if (restored.moduleDir) await swapModuleDir(restored.moduleDir, moduleDir);
    const config = await KernelConfig.load(configPath);
    // Keeps the source and build dirs a sources run found (kernel-install does not need them).
    ctx.kernel = { ...ctx.kernel, version: kv, arch: verdict.manifest.arch, config, configPath, moduleDir, moduleCompression: checkedModuleCompressionOf(config, configPath) };
    ctx.outputs.kernelImage = kernelImage;
    ctx.outputs.systemMap = systemMap;
    ctx.kernelFromCache = true;
    return `${kv} from ${path}${restored.moduleDir ? `, modules in ${moduleDir}` : ''}`;
  } finally {
    await rm(restored.dir, { recursive: true, force: true });
  }
}

/** A --kerncache path must be writable before an hour of compiling (same check as the packages). */
export async function checkKerncachePath(ctx: BuildContext): Promise<void> {
  if (ctx.settings.KERNCACHE && ctx.settings.KERNEL_SOURCES) await checkArchiveDir(resolve(ctx.settings.KERNCACHE));
}
