# shellcheck shell=sh
# LVM (--lvm): on `dolvm`, activate every volume group before the root device is looked
# for, so root=/dev/VG/LV and root=/dev/mapper/VG-LV resolve. There is no udev in the
# image: /etc/lvm/lvm.conf tells lvm to make the device nodes itself. Activation is
# repeated while the root is awaited, for physical volumes that appear late (on RAID
# assembled meanwhile, on a slow disk, or inside a LUKS container opened afterwards).
# From 40-lvm.conf: LVM_MODULES (loaded at boot).

lvm_modules() {
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules lvm $LVM_MODULES
}

# --sysinit: early boot, nothing writable, no monitoring daemons, no polling.
lvm_vgchange() {
	LVM_SUPPRESS_FD_WARNINGS=1 lvm vgchange -ay --sysinit "$@"
}

lvm_activate() {
	gk_info "lvm: activating volume groups"
	lvm_vgchange || gk_warn "lvm: 'vgchange -ay' failed or found no volume group"
	# /dev/VG/LV links for every active volume, even those activated before.
	LVM_SUPPRESS_FD_WARNINGS=1 lvm vgmknodes >/dev/null 2>&1
	return 0
}

lvm_root_wait() {
	lvm_vgchange -q >/dev/null 2>&1
	LVM_SUPPRESS_FD_WARNINGS=1 lvm vgmknodes >/dev/null 2>&1
	return 0
}

if gk_cmdline_has dolvm; then
	gk_hooks_modules="$gk_hooks_modules lvm_modules"
	gk_hooks_pre_root="$gk_hooks_pre_root lvm_activate"
	gk_hooks_root_wait="$gk_hooks_root_wait lvm_root_wait"
fi
