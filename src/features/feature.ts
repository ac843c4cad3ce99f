import type { BuildContext } from '../context.js';
import type { ImageTree } from '../image/image-tree.js';
import type { BootFragment } from './boot-fragment.js';

/**
 * One initramfs capability, build side and boot side together (as mkinitcpio pairs install/X
 * with hooks/X). Adding a feature is this one file plus its shell fragment, its option rows and
 * a line in registry.ts; nothing else is edited. The file is the one place that names the
 * feature's modules, tools, files and paths: the fragment gets them through its generated conf.
 */
export interface Feature {
  readonly name: string;
  enabled(ctx: BuildContext): boolean;
  /** gkbuild recipes whose static output this feature needs (built or taken from the cache). */
  tools?(ctx: BuildContext): string[];
  /** Module names or group names (see defaults/modules_load) to include in the image. */
  modules?(ctx: BuildContext): string[];
  /**
   * Add binaries and files to the image. Runs after modules are staged. A feature with a boot
   * half adds it here too, with addBootFragment(image, boot).
   */
  install(ctx: BuildContext, image: ImageTree): Promise<void>;
  /** The boot half: a fragment under defaults/initrd.d/ and the values it reads. */
  readonly boot?: BootFragment;
}
