import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { GkError } from '../errors.js';
import { COMPRESSION_FACTS } from '../kmod/compression.js';
import { detectHostKmod } from '../kmod/host-kmod.js';
import { checkModuleCompressionSupport } from '../kmod/capability.js';
import { imageCarriesModules } from './resolve-kernel.js';

/**
 * The reason this project exists. Two readers must understand the modules' compression: the
 * host kmod (depmod indexes them; without support it silently writes an empty modules.dep) and
 * the image's module loader. Busybox modutils read plain .ko only, so keeping .ko.zst in an image
 * that loads with busybox is refused here rather than discovered at boot.
 */
export const moduleCompressionStage: Stage = {
  name: 'module-compression',
  describe: "check that the host kmod and the image's loader can read the kernel's module compression",
  // A dry run that starts from defconfig knows no kernel config yet: nothing to check then.
  enabled: (ctx) => (ctx.dryRun && ctx.kernel === undefined ? false : imageCarriesModules(ctx)),
  async run(ctx) {
    const kernel = need(ctx, 'kernel');
    const compression = kernel.moduleCompression;
    const host = await detectHostKmod();
    checkModuleCompressionSupport(compression, host);
    const s = ctx.settings;
    if (!s.KMOD && compression !== 'none' && !s.DECOMPRESS_MODULES) {
      const f = COMPRESSION_FACTS[compression];
      throw new GkError(
        `KMOD=no loads modules with busybox modprobe, which cannot read ${compression}-compressed modules (${f.suffix}); this image would not load a single module at boot`,
        'drop --no-decompress-modules (DECOMPRESS_MODULES=yes stores them as plain .ko), or use kmod (KMOD=yes / --kmod)',
      );
    }
    return `${compression} modules; host kmod ${host?.version} ${host?.featureLine ?? ''}`.trim();
  },
};
