import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import type { Stage } from '../pipeline.js';
import { writeImage } from '../image/write-image.js';
import { compileKernel } from '../kernel/compile-kernel.js';
import { kernelImageTarget } from '../kernel/image-target.js';
import { builtInCompressionSymbol, builtInInitramfsConfig, integratesInitramfs, refuseIntegratedConflicts } from '../kernel/integrated-initramfs.js';
import { KernelConfig } from '../kernel/kconfig.js';
import { kernelMake, kernelTree } from '../kernel/kernel-make.js';
import { stripKernelImage } from '../kernel/strip-kernel.js';
import { kernelImageMtime } from './assemble.js';

/**
 * --integrated-initramfs (`all`): the image just assembled is written again as a plain newc cpio
 * into the kernel's output dir, CONFIG_INITRAMFS_SOURCE points at it (the kernel compresses it
 * with the image's compressor), and the kernel image is relinked — only usr/ and the link
 * redo, nothing else changed. The relinked image is what kernel-install installs; no separate
 * initramfs file is installed or packaged, as in genkernel.
 */
export const kernelIntegrateInitramfsStage: Stage = {
  name: 'kernel-integrate-initramfs',
  describe: 'build the initramfs into the kernel image (CONFIG_INITRAMFS_SOURCE) and relink it',
  enabled: (ctx) => integratesInitramfs(ctx) && !ctx.dryRun,
  async run(ctx) {
    refuseIntegratedConflicts(ctx.settings);
    const kernel = need(ctx, 'kernel');
    const image = need(ctx, 'image');
    const built = ctx.outputs.image;
    if (!built) throw new Error('internal: kernel-integrate-initramfs needs the assemble stage before it');
    const tree = kernelTree(ctx.settings);

    // In the output dir, not the temp dir: the tree's .config names it, and a later make there must find it.
    const cpio = join(tree.outputDir, 'tsgk-initramfs.cpio');
    const written = await writeImage(image, cpio, { compressor: { name: 'none', level: 0 }, mtime: kernelImageMtime(kernel) });

    const configPath = kernel.configPath;
    await writeFile(configPath, builtInInitramfsConfig(await readFile(configPath, 'utf8'), cpio, built.compressor));
    await kernelMake(ctx, tree, ['olddefconfig']);
    const config = await KernelConfig.load(configPath);
    if (config.get('INITRAMFS_SOURCE') !== cpio) {
      throw new GkError(`CONFIG_INITRAMFS_SOURCE did not stay set in ${configPath}`, 'check that CONFIG_BLK_DEV_INITRD can be enabled in this kernel config');
    }
    const compression = builtInCompressionSymbol(built.compressor);
    if (!config.builtin(compression)) ctx.log.warn(`the kernel cannot compress its built-in initramfs as CONFIG_${compression}; it chose its own default`);
    ctx.kernel = { ...kernel, config };

    const target = await kernelImageTarget(ctx, tree);
    await compileKernel(ctx, tree, [target.target]);
    const strip = ctx.settings.STRIP_TYPE === 'kernel' || ctx.settings.STRIP_TYPE === 'all';
    ctx.outputs.kernelImage = strip ? await stripKernelImage(ctx, target.binary) : target.binary;
    // The initramfs now lives inside the kernel: nothing separate to install or package.
    ctx.outputs.image = undefined;
    return `${(written.uncompressedBytes / 1048576).toFixed(1)} MiB cpio built into ${basename(target.binary)} (${compression.replace('INITRAMFS_COMPRESSION_', '').toLowerCase()})`;
  },
};
