import type { Feature } from './feature.js';
import { addBootFragment, type BootFragment } from './boot-fragment.js';
import { addHostBinary } from '../elf/add-host-binary.js';
import { requireHostTool } from '../path-lookup.js';

export const LVM_MODULES = ['dm_mod', 'dm_snapshot', 'dm_mirror', 'dm_thin_pool'];
/** Loaded by 40-lvm.sh on dolvm; targets beyond linear are requested by the kernel on demand. */
export const LVM_BOOT_MODULES = ['dm_mod'];

export const lvmBoot: BootFragment = { file: '40-lvm.sh', conf: () => ({ LVM_MODULES: LVM_BOOT_MODULES }) };

/** Names the rescue shell user expects; all are the one lvm binary. */
const LVM_COMMANDS = ['vgchange', 'vgscan', 'vgs', 'lvs', 'pvs', 'lvchange', 'lvscan', 'pvscan', 'vgdisplay', 'lvdisplay'];

/**
 * For a boot without udev: lvm creates /dev/VG/LV and /dev/mapper nodes itself and does not
 * wait for udev. When udev runs in the initramfs, 40-lvm.sh turns udev sync and rules on for
 * the command (the dm and lvm rules then make the nodes and links and leave udev records).
 * No metadata backups (the image is read-only in spirit), no dmeventd.
 */
export const INITRAMFS_LVM_CONF = `# Written by tsgenkernel for the initramfs (no udev, no daemons).
devices {
	obtain_device_list_from_udev = 0
	external_device_info_source = "none"
	use_devicesfile = 0
	hints = "none"
}
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
global {
	use_lvmpolld = 0
}
backup {
	backup = 0
	archive = 0
}
`;

/** --lvm: lvm from the host with its closure; 40-lvm.sh runs `lvm vgchange -ay` on dolvm. */
export function createLvmFeature(opts: { toolPath?: readonly string[] } = {}): Feature {
  return {
    name: 'lvm',
    enabled: (ctx) => ctx.settings.LVM,
    modules: () => LVM_MODULES,
    async install(_ctx, image) {
      const lvm = await requireHostTool('lvm', '--lvm', 'install lvm2', opts.toolPath);
      await addHostBinary(image, lvm, 'sbin/lvm');
      for (const c of LVM_COMMANDS) image.addSymlink(`sbin/${c}`, 'lvm');
      image.addFile('etc/lvm/lvm.conf', Buffer.from(INITRAMFS_LVM_CONF), 0o644);
      addBootFragment(image, lvmBoot);
    },
    boot: lvmBoot,
  };
}

export const lvmFeature = createLvmFeature();
