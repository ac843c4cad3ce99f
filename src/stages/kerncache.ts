import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BuildContext } from '../context.js';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import { run } from '../exec.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { modulesRoot } from '../kernel/kernel-facts.js';
import { hostMachine } from '../kernel/kernel-version.js';
import { swapModuleDir } from '../kernel/module-tree-swap.js';
import { checkedModuleCompressionOf } from '../kmod/compression.js';
import { configDigest, judgeKerncache, unpackKerncache, writeKerncache, type KerncacheVerdict } from '../package/kerncache.js';
import { checkArchiveDir } from '../package/tar-archive.js';
import type { Stage } from '../pipeline.js';

/** First line of `gcc --version`: part of what makes two builds "the same". */
async function toolchain(ctx: BuildContext): Promise<string> {
  const r = await run('gcc', ['--version'], { log: ctx.log, allowFailure: true });
  return r.exitCode === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : 'no gcc';
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
    const bytes = await writeKerncache(dest, id, { kernelImage, systemMap, configPath: kernel.configPath, moduleDir: hasModules ? kernel.moduleDir : undefined });
    return `${dest} (${(bytes / 1048576).toFixed(1)} MiB)`;
  },
};

/**
 * After configure (the effective config, options forced): when --kerncache holds a build of the
 * same source version, config digest, toolchain and arch, the compile is skipped and the cache
 * restored; anything else is one line saying why, then the normal build. A cache that cannot
 * be unpacked fails before anything live is touched (unpack goes to a temp dir first).
 */
export const kerncacheMatchStage: Stage = {
  name: 'kerncache check',
  commit: true,
  describe: 'skip the compile when --kerncache holds this very build',
  enabled: (ctx) => !!ctx.settings.KERNCACHE && ctx.settings.KERNEL_SOURCES && !ctx.dryRun,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const path = resolve(ctx.settings.KERNCACHE);
    const wanted = { arch: kernel.arch, sourceVersion: kernel.version, configDigest: configDigest(await readFile(kernel.configPath, 'utf8')), toolchain: await toolchain(ctx) };
    const verdict = await judgeKerncache(path, wanted);
    if (!verdict.use) {
      ctx.log.warn(verdict.reason);
      return 'no match: compiling';
    }
    const detail = await restoreKernel(ctx, verdict, path);
    ctx.log.info(`valid kerncache ${path} matches sources, config and toolchain: kernel compile skipped`);
    return `compile skipped, ${detail}`;
  },
};

/**
 * --no-kernel-sources: the kernel comes from a valid --kerncache instead of a build, as in
 * genkernel. Only the architecture and completeness can be checked (there are no sources to
 * compare); anything else is one line and nothing is touched. The module tree is unpacked
 * beside the live one and swapped in whole; kernel, System.map and config go to the temp dir
 * for kernel-install.
 */
export const kerncacheRestoreStage: Stage = {
  name: 'kerncache restore',
  commit: true,
  describe: 'take the kernel and its modules from --kerncache (--no-kernel-sources)',
  enabled: (ctx) => !ctx.settings.KERNEL_SOURCES,
  async run(ctx) {
    const path = ctx.settings.KERNCACHE;
    if (!path) throw new GkError('--no-kernel-sources needs a kernel cache to take the kernel from', 'pass --kerncache=ARCHIVE written by an earlier `tsgenkernel all --kerncache=ARCHIVE`');
    const verdict = await judgeKerncache(resolve(path), { arch: hostMachine(), noSources: true });
    if (!verdict.use) throw new GkError(verdict.reason.replace(/; building normally$/, ''), 'with --no-kernel-sources there is nothing to build from: give a valid --kerncache, or drop --no-kernel-sources');
    const detail = await restoreKernel(ctx, verdict, path);
    ctx.log.info(`valid kerncache ${path} found: no sources used, kernel ${ctx.kernel!.version} restored`);
    return detail;
  },
};

/**
 * Unpacks a judged cache: the module tree beside the live one, swapped in whole; kernel,
 * System.map and config into the temp dir for kernel-install. Compile and modules_install are
 * then skipped (ctx.kernelFromCache).
 */
async function restoreKernel(ctx: BuildContext, verdict: Extract<KerncacheVerdict, { use: true }>, path: string): Promise<string> {
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
