import type { Feature } from './feature.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { requireHostTool } from '../path-lookup.js';

/** The names the init looks for (fsck.TYPE, as fsck(8) would): one e2fsck serves all three. */
export const E2FSCK_NAMES = ['fsck.ext2', 'fsck.ext3', 'fsck.ext4'];

/**
 * --e2fsprogs (genkernel's option): e2fsck from the host with its library closure. The init
 * (initrd.lib/fsck.sh) checks the root and a separate /usr with `fsck.TYPE -p` before mounting
 * them whenever the image has fsck.TYPE, so no boot fragment is needed. btrfs has no checker
 * in the image: btrfs check is not meant to run at every boot.
 */
export function createE2fsprogsFeature(opts: { toolPath?: readonly string[] } = {}): Feature {
  return {
    name: 'e2fsprogs',
    enabled: (ctx) => ctx.settings.E2FSPROGS,
    async install(ctx, image) {
      const e2fsck = await requireHostTool('e2fsck', '--e2fsprogs', 'install e2fsprogs', opts.toolPath);
      const added = await addHostBinary(image, e2fsck, 'sbin/e2fsck');
      ctx.log.debug(`e2fsprogs: ${e2fsck} with ${added.libraries.length} library entries`);
      for (const name of E2FSCK_NAMES) image.addSymlink(`sbin/${name}`, 'e2fsck');
      // e2fsck reads the mount table to refuse a mounted filesystem; the image has no /etc/mtab.
      image.addSymlink('etc/mtab', '/proc/self/mounts');
    },
  };
}

export const e2fsprogsFeature = createE2fsprogsFeature();
