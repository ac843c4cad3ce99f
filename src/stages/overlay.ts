import { stat } from 'node:fs/promises';
import type { Stage } from '../pipeline.js';
import { need } from '../context.js';
import { addHostTree } from '../image/add-host-tree.js';
import { GkError } from '../errors.js';
import { refuseEscapingLinks } from '../trust/overlay-links.js';

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
