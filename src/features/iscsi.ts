import type { Feature } from './feature.js';
import { addBootFragment, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { requireHostTool } from '../path-lookup.js';
import { installNetwork, netConf, NET_MODULES } from './net.js';
import type { LibrarySearchOptions } from '../elf/search-paths.js';

/**
 * The iSCSI initiator's kernel side: the TCP transport and its libraries, and sd_mod for the
 * disk a login attaches. (The modules_load group MODULES_ISCSI adds iscsi_ibft, which a root
 * named on the command line does not need.)
 */
export const ISCSI_MODULES = ['iscsi_tcp', 'libiscsi_tcp', 'libiscsi', 'scsi_transport_iscsi', 'sd_mod'];

export const iscsiBoot: BootFragment = {
  file: '15-iscsi.sh',
  // iscsistart's output, shown in the failure line (the init's /run is a tmpfs).
  conf: () => ({ ISCSI_MODULES, ISCSI_LOG: '/run/gk-iscsistart.log', ...netConf() }),
};

export interface IscsiFeatureOptions extends LibrarySearchOptions {
  /** Directories searched for iscsistart (tests: a dir of stand-ins). */
  toolPath?: readonly string[];
}

/**
 * --iscsi: open-iscsi's iscsistart (the one-shot initiator made for initramfs use, Debian's
 * open-iscsi package) with its shared-library closure, the iSCSI and network modules, and
 * 15-iscsi.sh, which brings the network up and logs in from iscsi_*= before the root is looked for.
 */
export function createIscsiFeature(opts: IscsiFeatureOptions = {}): Feature {
  const search: LibrarySearchOptions = { ldSoConf: opts.ldSoConf, systemDirs: opts.systemDirs };
  return {
    name: 'iscsi',
    enabled: (ctx) => ctx.settings.ISCSI,
    modules: () => [...ISCSI_MODULES, ...NET_MODULES],
    async install(ctx, image) {
      const host = await requireHostTool('iscsistart', '--iscsi', 'install open-iscsi', opts.toolPath);
      const added = await addHostBinary(image, host, 'sbin/iscsistart', search);
      ctx.log.debug(`iscsi: iscsistart with ${added.libraries.length} library entries`, 2);
      installNetwork(image);
      addBootFragment(image, iscsiBoot);
    },
    boot: iscsiBoot,
  };
}

export const iscsiFeature = createIscsiFeature();
