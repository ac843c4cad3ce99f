import { join } from 'node:path';
import type { ImageTree } from '../image/image-tree.js';
import { bootPath } from './boot-fragment.js';
import { defaultsPath } from '../config/settings.js';

/**
 * The network before the root, shared by the features that need one (--ssh, --iscsi): the NIC
 * drivers and busybox udhcpc's event script. The boot side is the init's net.sh (ip=, gk.net.*),
 * which reads the script's path from the conf of the feature that calls it.
 */

/** Network drivers (the modules_load group, virtio_net for VMs) and the packet socket udhcpc needs. */
export const NET_MODULES = ['MODULES_NET', 'virtio_net', 'af_packet'];

export const NET_IMAGE = { udhcpcScript: 'etc/gk-udhcpc.script' } as const;

/** Conf values every fragment that calls gk_net_start carries. */
export function netConf(): { NET_UDHCPC_SCRIPT: string } {
  return { NET_UDHCPC_SCRIPT: bootPath(NET_IMAGE.udhcpcScript) };
}

export function installNetwork(image: ImageTree): void {
  if (!image.has(NET_IMAGE.udhcpcScript)) image.addFile(NET_IMAGE.udhcpcScript, defaultsPath(join('ssh', 'udhcpc.script')), 0o755);
}
