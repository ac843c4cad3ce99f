import { stat } from 'node:fs/promises';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { enabledFeatures } from '../features/registry.js';
import { addHostTree } from '../image/add-host-tree.js';
import { GkError } from '../errors.js';
import { refuseEscapingLinks } from '../trust/overlay-links.js';

export const installFeaturesStage: Stage = {
  name: 'features',
  describe: 'add the binaries and files of every enabled feature',
  enabled: (ctx) => !ctx.dryRun,
  async run(ctx) {
    const image = need(ctx, 'image');
    const features = enabledFeatures(ctx);
    for (const f of features) await f.install(ctx, image);
    return features.map((f) => f.name).join(', ');
  },
};

/** --initramfs-overlay: added last, so its files override anything already in the image. */
export const overlayStage: Stage = {
  name: 'overlay',
  describe: 'add the --initramfs-overlay directory on top',
  enabled: (ctx) => ctx.settings.INITRAMFS_OVERLAY !== '' && !ctx.dryRun,
  async run(ctx) {
    const dir = ctx.settings.INITRAMFS_OVERLAY;
    const st = await stat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new GkError(`initramfs overlay ${dir} is not a directory`, 'pass an existing directory with --initramfs-overlay=DIR');
    await refuseEscapingLinks(dir);
    const n = await addHostTree(need(ctx, 'image'), dir);
    return `${n} files from ${dir}`;
  },
};
