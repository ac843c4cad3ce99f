# shellcheck shell=sh
# The kernel's API mounts, the root device, mounting it on $GK_NEWROOT and handing over.
#
# Extension point for roots that are not a block device (a ZFS dataset, a network root):
# instead of redefining the steps below, a fragment's pre_root hook names its own functions in
#     gk_wait_root_handler   waits (through gk_poll) for the root and sets GK_ROOT_DEV
#     gk_mount_root_handler  mounts GK_ROOT_DEV on $GK_NEWROOT
# Both return 0 on success; on failure they report through gk_fail and return 1. The
# defaults (gk_wait_block_root, gk_mount_block_root) are set with the command line's defaults.

GK_NEWROOT=/newroot

gk_mount_early() {
	mount -t proc -o nosuid,nodev,noexec proc /proc
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	if ! mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev 2>/dev/null; then
		# A kernel without CONFIG_DEVTMPFS: populate /dev once with mdev if the image has it.
		mount -t tmpfs -o nosuid,mode=0755 tmpfs /dev
		[ -e /dev/console ] || mknod /dev/console c 5 1
		[ -e /dev/null ] || mknod /dev/null c 1 3
		if gk_have mdev; then
			mdev -s
		else
			gk_warn "devtmpfs is not available and the image has no mdev: /dev stays almost empty"
		fi
	fi
	mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
	mkdir -p /run/initramfs
}

# The bounded wait for the root device: the default, or rootdelay/rootwait if larger.
gk_root_timeout() {
	gk_device_timeout "$GK_ROOT_TIMEOUT_DEFAULT"
}

# shellcheck disable=SC2154 # the handlers are set in gk_set_defaults (cmdline.sh) or by a fragment
gk_wait_root() {
	"$gk_wait_root_handler"
}

# shellcheck disable=SC2154
gk_mount_root() {
	"$gk_mount_root_handler"
}

# gk_poll's check for a block-device root.
gk_root_present() {
	GK_ROOT_DEV=$(gk_resolve_root "$REAL_ROOT")
}

gk_wait_block_root() {
	gkwr_timeout=$(gk_root_timeout)
	gk_poll "$gkwr_timeout" "root device $REAL_ROOT" gk_device_tick gk_root_present && return 0
	# Once more outside a subshell, so GK_ROOT_TRIED reaches the message.
	gk_resolve_root "$REAL_ROOT" >/dev/null
	gk_fail "root device $REAL_ROOT did not appear within $gkwr_timeout s" "$GK_ROOT_TRIED"
	return 1
}

gk_mount_block_root() {
	mkdir -p "$GK_NEWROOT"
	gkmr_type=$ROOTFSTYPE
	if [ -z "$gkmr_type" ]; then
		gkmr_type=$(gk_probe_fstype "$GK_ROOT_DEV") || gkmr_type=
		[ -n "$gkmr_type" ] && gk_info "root filesystem type detected: $gkmr_type"
		[ -n "$gkmr_type" ] && gk_load_fs_module "$gkmr_type"
	fi
	# Every module is in by now (the filesystem's own came last): show what got loaded.
	gk_info "modules loaded: $(gk_loaded_modules)"
	gkmr_opts=$(gk_root_mount_options)
	case "$gkmr_type" in
	*,*)
		gk_mount_root_types "$gkmr_type" "$gkmr_opts" && return 0
		gkmr_cmd="mount -t T -o $gkmr_opts $GK_ROOT_DEV $GK_NEWROOT for each T of rootfstype=$gkmr_type"
		;;
	?*)
		gk_fsck "$GK_ROOT_DEV" "$gkmr_type" root || return 1
		gkmr_cmd="mount -t $gkmr_type -o $gkmr_opts $GK_ROOT_DEV $GK_NEWROOT"
		gk_info "mounting $GK_ROOT_DEV ($gkmr_type, $gkmr_opts) on $GK_NEWROOT"
		mount -t "$gkmr_type" -o "$gkmr_opts" "$GK_ROOT_DEV" "$GK_NEWROOT" && return 0
		;;
	*)
		# Unknown type: load the common filesystems the image carries, then let mount try
		# every type in /proc/filesystems.
		gk_load_common_fs_modules
		gkmr_cmd="mount -o $gkmr_opts $GK_ROOT_DEV $GK_NEWROOT (type not detected; tried every type in /proc/filesystems)"
		gk_info "mounting $GK_ROOT_DEV ($gkmr_opts, type unknown) on $GK_NEWROOT"
		mount -o "$gkmr_opts" "$GK_ROOT_DEV" "$GK_NEWROOT" && return 0
		;;
	esac
	gk_fail "could not mount the root filesystem $GK_ROOT_DEV" "$gkmr_cmd; filesystems the kernel knows: $(grep -v nodev /proc/filesystems | tr -d '\t' | tr '\n' ' ')"
	return 1
}

# rootfstype=A,B,...: mount with each type in order ($1), options $2, until one works.
gk_mount_root_types() {
	for gkmt_t in $(echo "$1" | tr ',' ' '); do
		gk_load_fs_module "$gkmt_t"
		gk_info "mounting $GK_ROOT_DEV ($gkmt_t, $2) on $GK_NEWROOT"
		mount -t "$gkmt_t" -o "$2" "$GK_ROOT_DEV" "$GK_NEWROOT" 2>/dev/null && return 0
		gk_info "  not as $gkmt_t; trying the next type of rootfstype=$1"
	done
	return 1
}

# ro or rw, then rootflags=: the options every root mount starts from.
gk_root_mount_options() {
	echo "$GK_MOUNT_MODE${ROOTFLAGS:+,$ROOTFLAGS}"
}

# Follow symlinks of path $1 inside the new root (absolute targets are relative to it).
gk_path_in_root() {
	gkpr_p=$1
	gkpr_hops=0
	while [ -L "$GK_NEWROOT$gkpr_p" ] && [ "$gkpr_hops" -lt 20 ]; do
		gkpr_t=$(readlink "$GK_NEWROOT$gkpr_p")
		case "$gkpr_t" in
		/*) gkpr_p=$gkpr_t ;;
		*) gkpr_p=${gkpr_p%/*}/$gkpr_t ;;
		esac
		gkpr_hops=$((gkpr_hops + 1))
	done
	echo "$GK_NEWROOT$gkpr_p"
}

gk_check_init() {
	gkci_p=$(gk_path_in_root "$REAL_INIT")
	[ -f "$gkci_p" ] && [ -x "$gkci_p" ] && return 0
	gk_fail "the real init $REAL_INIT is not an executable file on the root filesystem" \
		"$GK_NEWROOT$REAL_INIT (resolved to $gkci_p) on $GK_ROOT_DEV; set init= or real_init= to another path"
	return 1
}

# Hand the kernel's API mounts to the new root so the real init finds them in place.
gk_move_mounts() {
	for gkmm_m in /dev /proc /sys /run; do
		if [ -d "$GK_NEWROOT$gkmm_m" ]; then
			mount --move "$gkmm_m" "$GK_NEWROOT$gkmm_m" 2>/dev/null || umount -l "$gkmm_m" 2>/dev/null
		else
			umount -l "$gkmm_m" 2>/dev/null
		fi
	done
	return 0
}
