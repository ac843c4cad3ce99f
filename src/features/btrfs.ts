import type { Feature } from './feature.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { requireHostTool } from '../path-lookup.js';

export const BTRFS_MODULES = ['btrfs'];

/**
 * --btrfs: the btrfs tool from the host with its closure. A multi-device filesystem mounts
 * only after every member was registered with `btrfs device scan` (50-btrfs.sh).
 */
export function createBtrfsFeature(opts: { toolPath?: readonly string[] } = {}): Feature {
  return {
    name: 'btrfs',
    enabled: (ctx) => ctx.settings.BTRFS,
    modules: () => BTRFS_MODULES,
    async install(_ctx, image) {
      const btrfs = await requireHostTool('btrfs', '--btrfs', 'install btrfs-progs', opts.toolPath);
      await addHostBinary(image, btrfs, 'sbin/btrfs');
    },
    initFragment: '50-btrfs.sh',
  };
}

export const btrfsFeature = createBtrfsFeature();
