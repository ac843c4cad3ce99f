# shellcheck shell=sh
# LVM (--lvm): on `dolvm`, activate every volume group before the root device is looked
# for, so root=/dev/VG/LV and root=/dev/mapper/VG-LV resolve. Activation is repeated while
# the root is awaited, for physical volumes that appear late (on RAID assembled meanwhile, on
# a slow disk, or inside a LUKS container opened afterwards).
# /etc/lvm/lvm.conf is written for a boot without udev: lvm makes the device nodes itself.
# When udev runs (GK_UDEV=1, 05-udev.sh), lvm works with it instead (udev sync, the dm and
# lvm rules make /dev/mapper and /dev/VG links), so the devices get their udev records.
# From 40-lvm.conf: LVM_MODULES (loaded at boot).

lvm_modules() {
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules lvm $LVM_MODULES
}

# lvm with the udev settings of this boot.
lvm_run() {
	if [ "${GK_UDEV:-0}" = 1 ]; then
		LVM_SUPPRESS_FD_WARNINGS=1 lvm "$@" --config 'activation { udev_sync = 1 udev_rules = 1 }'
	else
		LVM_SUPPRESS_FD_WARNINGS=1 lvm "$@"
	fi
}

# --sysinit: early boot, nothing writable, no monitoring daemons, no polling.
lvm_vgchange() {
	lvm_run vgchange -ay --sysinit "$@"
}

lvm_activate() {
	gk_info "lvm: activating volume groups"
	lvm_vgchange || gk_warn "lvm: 'vgchange -ay' failed or found no volume group"
	# /dev/VG/LV links for every active volume, even those activated before.
	lvm_run vgmknodes >/dev/null 2>&1
	return 0
}

lvm_root_wait() {
	lvm_vgchange -q >/dev/null 2>&1
	lvm_run vgmknodes >/dev/null 2>&1
	return 0
}

if gk_cmdline_has dolvm; then
	gk_hooks_modules="$gk_hooks_modules lvm_modules"
	gk_hooks_pre_root="$gk_hooks_pre_root lvm_activate"
	gk_hooks_root_wait="$gk_hooks_root_wait lvm_root_wait"
fi
