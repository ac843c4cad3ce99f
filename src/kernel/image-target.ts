import { basename, resolve } from 'node:path';
import type { BuildContext } from '../context.js';
import { kernelMake, type KernelTree } from './kernel-make.js';

export interface KernelImageTarget {
  /** What `make` is asked for (bzImage, or --kernel-target). */
  target: string;
  /** The file that target leaves, absolute (arch/x86/boot/bzImage in the output dir, or --kernel-binary). */
  binary: string;
}

/**
 * The image make target and the file it leaves. By default the arch's own answer (`make -s
 * image_name`); --kernel-target / --kernel-binary (genkernel's KERNEL_MAKE_DIRECTIVE_OVERRIDE and
 * KERNEL_BINARY_OVERRIDE) replace either, the binary relative to the output dir.
 */
export async function kernelImageTarget(ctx: BuildContext, tree: KernelTree): Promise<KernelImageTarget> {
  const targetOverride = ctx.settings.KERNEL_MAKE_DIRECTIVE_OVERRIDE.trim();
  const binaryOverride = ctx.settings.KERNEL_BINARY_OVERRIDE.trim();
  const archImage = targetOverride && binaryOverride ? '' : await archImageName(ctx, tree);
  return { target: targetOverride || basename(archImage), binary: resolve(tree.outputDir, binaryOverride || archImage) };
}

/** The image this arch builds, as the kernel names it (arch/x86/boot/bzImage), relative to the output dir. */
async function archImageName(ctx: BuildContext, tree: KernelTree): Promise<string> {
  const res = await kernelMake(ctx, tree, ['-s', 'image_name'], { allowFailure: true });
  const name = res.stdout.trim().split('\n').pop()?.trim();
  return res.exitCode === 0 && name ? name : 'arch/x86/boot/bzImage';
}
