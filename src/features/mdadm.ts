import { readFile } from 'node:fs/promises';
import type { Feature } from './feature.js';
import { addBootFragment, bootPath, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { findHostTool, requireHostTool } from '../path-lookup.js';
import { GkError } from '../errors.js';

/** md core and the personalities arrays are made of. */
export const MDADM_MODULES = ['md_mod', 'linear', 'raid0', 'raid1', 'raid10', 'raid456'];
/** Loaded by 20-mdadm.sh on domdadm; raid456 is left to on-demand loading (its raid6 benchmark is slow). */
export const MDADM_BOOT_MODULES = ['md_mod', 'raid0', 'raid1', 'raid10'];

/** Where the image keeps --mdadm-config; 20-mdadm.sh passes it to mdadm explicitly. */
export const IMAGE_MDADM_CONF = 'etc/mdadm.conf';

export const mdadmBoot: BootFragment = {
  file: '20-mdadm.sh',
  conf: () => ({ MD_MODULES: MDADM_BOOT_MODULES, MD_CONF: bootPath(IMAGE_MDADM_CONF) }),
};

/** --mdadm: mdadm from the host with its closure, and --mdadm-config as /etc/mdadm.conf. */
export function createMdadmFeature(opts: { toolPath?: readonly string[] } = {}): Feature {
  return {
    name: 'mdadm',
    // An mdadm.conf is only useful with mdadm, so --mdadm-config alone turns the feature on too.
    enabled: (ctx) => ctx.settings.MDADM || ctx.settings.MDADM_CONFIG !== '',
    modules: () => MDADM_MODULES,
    async install(ctx, image) {
      const mdadm = await requireHostTool('mdadm', '--mdadm', 'install mdadm', opts.toolPath);
      await addHostBinary(image, mdadm, 'sbin/mdadm');
      // mdmon runs arrays with external metadata (Intel IMSM, DDF); optional.
      const mdmon = await findHostTool('mdmon', opts.toolPath);
      if (mdmon) await addHostBinary(image, mdmon, 'sbin/mdmon');
      const conf = ctx.settings.MDADM_CONFIG;
      if (conf !== '') {
        const text = await readFile(conf).catch(() => {
          throw new GkError(`mdadm config ${conf} cannot be read`, 'pass an existing file with --mdadm-config=FILE, or drop the option');
        });
        image.addFile(IMAGE_MDADM_CONF, text, 0o644);
      }
      addBootFragment(image, mdadmBoot);
    },
    boot: mdadmBoot,
  };
}

export const mdadmFeature = createMdadmFeature();
