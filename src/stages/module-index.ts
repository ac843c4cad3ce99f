import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { requireCurrentIndex } from '../kmod/index-guard.js';
import { imageCarriesModules } from './resolve-kernel.js';

/**
 * The kernel's own module indexes must exist and match the files on disk before anything is
 * selected from them. An initramfs build never rewrites the user's module tree: a missing, empty
 * or stale modules.dep is refused with the exact depmod command to run. (`tsgenkernel all` indexes
 * the modules it installs itself, in modules-install.) The image's own indexes are made by depmod
 * on the staged copy, in copy-modules.
 */
export const moduleIndexStage: Stage = {
  name: 'module-index',
  describe: "check the kernel's modules.dep exists and matches the module files",
  enabled: imageCarriesModules,
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const health = await requireCurrentIndex(kernel.moduleDir, kernel.version, ctx.settings.KERNEL_MODULES_PREFIX, kernel.moduleCompression);
    return `${health.indexed} modules indexed in ${kernel.moduleDir}`;
  },
};
