import type { Feature } from './feature.js';
import { addBootFragment, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { requireHostTool } from '../path-lookup.js';

export const BTRFS_MODULES = ['btrfs'];

export const btrfsBoot: BootFragment = { file: '50-btrfs.sh', conf: () => ({ BTRFS_MODULES }) };

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
      addBootFragment(image, btrfsBoot);
    },
    boot: btrfsBoot,
  };
}

export const btrfsFeature = createBtrfsFeature();
