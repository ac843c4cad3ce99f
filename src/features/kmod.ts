import { join } from 'node:path';
import { builtTool } from '../gkbuild/index.js';
import type { Feature } from './feature.js';

/** The names kmod answers to through argv[0]. */
export const KMOD_APPLETS = ['depmod', 'insmod', 'lsmod', 'modinfo', 'modprobe', 'rmmod'] as const;

/**
 * A static kmod (built from gkbuilds/kmod.gkbuild, with zstd, xz and zlib) as the image's module
 * loader: busybox's modprobe cannot read compressed modules, kmod can.
 */
export const kmodFeature: Feature = {
  name: 'kmod',
  enabled: (ctx) => ctx.settings.KMOD,
  tools: () => ['kmod'],
  async install(ctx, image) {
    const kmod = builtTool(ctx, 'kmod');
    image.addFile('bin/kmod', join(kmod.root, 'bin', 'kmod'), 0o755);
    for (const applet of KMOD_APPLETS) image.addSymlink(`sbin/${applet}`, '/bin/kmod');
  },
};
