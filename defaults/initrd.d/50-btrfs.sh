# shellcheck shell=sh
# btrfs (--btrfs): a filesystem spanning several devices mounts only after the kernel
# was told about every member, which `btrfs device scan` does. Runs before the root is
# looked for and again while it is awaited (members on slow or late devices).
# rootflags=subvol=NAME reaches the mount through the init's ROOTFLAGS.
# From 50-btrfs.conf: BTRFS_MODULES (loaded at boot unless the kernel has btrfs built in).

btrfs_modules() {
	grep -qw btrfs /proc/filesystems 2>/dev/null && return 0
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules btrfs $BTRFS_MODULES
}

btrfs_scan() {
	gk_info "btrfs: scanning devices for multi-device filesystems"
	btrfs device scan || gk_warn "btrfs: 'btrfs device scan' failed"
	return 0
}

btrfs_root_wait() {
	btrfs device scan >/dev/null 2>&1
	return 0
}

gk_hooks_modules="$gk_hooks_modules btrfs_modules"
gk_hooks_pre_root="$gk_hooks_pre_root btrfs_scan"
gk_hooks_root_wait="$gk_hooks_root_wait btrfs_root_wait"
