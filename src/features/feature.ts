import type { BuildContext } from '../context.js';
import type { ImageTree } from '../image/image-tree.js';

/**
 * One initramfs capability, build side and boot side together (as mkinitcpio pairs install/X
 * with hooks/X). Adding a feature is this one file plus its shell fragment and a line in
 * registry.ts; nothing else is edited.
 */
export interface Feature {
  readonly name: string;
  enabled(ctx: BuildContext): boolean;
  /** gkbuild recipes whose static output this feature needs (built or taken from the cache). */
  tools?(ctx: BuildContext): string[];
  /** Module names or group names (see defaults/modules_load) to include in the image. */
  modules?(ctx: BuildContext): string[];
  /** Add binaries and files to the image. Runs after modules are staged. */
  install(ctx: BuildContext, image: ImageTree): Promise<void>;
  /**
   * Boot-side fragment under defaults/initrd.d/ that /init sources when the feature is in the
   * image (e.g. "30-luks.sh").
   */
  readonly initFragment?: string;
}
