# shellcheck shell=sh
# ZFS (--zfs): on `dozfs` (or a root=ZFS... root), load zfs and import the pools without
# mounting anything, then mount the root dataset:
#   root=ZFS=pool/dataset   that dataset
#   root=ZFS                the dataset the pool's bootfs property names
#   dozfs=cache             import the pools in /etc/zfs/zpool.cache instead of scanning
#   dozfs=force             import pools last used by another host (zpool import -f)
#   root=zfs:pool/dataset   ZFSBootMenu's form of root=ZFS=pool/dataset; root=zfs:AUTO is root=ZFS
# A natively encrypted root whose key is not loaded: `zfs load-key` on its encryption root
# before the mount, with a passphrase typed at the console (keylocation=prompt) through the
# init's prompt (the one LUKS uses: gk.prompt.timeout, gk.userinteraction.disabled), or
# from its keylocation=file:// key file when that is in the image.
# A dataset is not a block device: for a ZFS root, zfs_import names this fragment's wait and
# mount steps as the init's root handlers (the extension point in the init's root.sh).
# From 60-zfs.conf: ZFS_MODULES (loaded at boot unless built in), ZFS_CACHE (the pool cache).

ZFS_KEY_TRIES=3

zfs_modules() {
	grep -qw zfs /proc/filesystems 2>/dev/null && return 0
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules zfs $ZFS_MODULES
}

# ZFSBootMenu's root=zfs:... in this fragment's own spelling.
zfs_root_spelling() {
	case "$REAL_ROOT" in
	zfs:AUTO) REAL_ROOT=ZFS ;;
	zfs:*) REAL_ROOT=ZFS=${REAL_ROOT#zfs:} ;;
	esac
}

zfs_import() {
	zfs_root_spelling
	zi_mode=$(gk_cmdline_get dozfs)
	zi_force=
	[ "$zi_mode" = force ] && zi_force=-f
	if [ "$zi_mode" = cache ] && [ -r "$ZFS_CACHE" ]; then
		gk_info "zfs: importing the pools in $ZFS_CACHE"
		# shellcheck disable=SC2086 # zi_force is one word or nothing
		zpool import -N -a $zi_force -c "$ZFS_CACHE" || gk_warn "zfs: importing from $ZFS_CACHE failed"
	else
		gk_info "zfs: importing pools"
		# shellcheck disable=SC2086
		zpool import -N -a $zi_force || gk_warn "zfs: 'zpool import -N -a' failed"
	fi
	if [ "$REAL_ROOT" = ZFS ]; then
		zi_bootfs=$(zfs_bootfs)
		if [ -z "$zi_bootfs" ]; then
			gk_warn "zfs: root=ZFS, but no imported pool sets bootfs"
			return 1
		fi
		gk_info "zfs: root is the pool's bootfs $zi_bootfs"
		REAL_ROOT=ZFS=$zi_bootfs
	fi
	case "$REAL_ROOT" in
	ZFS=*)
		# shellcheck disable=SC2034 # read by the init's gk_wait_root and gk_mount_root
		gk_wait_root_handler=zfs_wait_root
		# shellcheck disable=SC2034
		gk_mount_root_handler=zfs_mount_root
		;;
	esac
	return 0
}

# First bootfs property that is set among the imported pools.
zfs_bootfs() {
	zpool list -H -o bootfs 2>/dev/null | while read -r zb_fs; do
		[ -n "$zb_fs" ] && [ "$zb_fs" != - ] && {
			echo "$zb_fs"
			break
		}
	done
}

# The dataset named by REAL_ROOT=ZFS=..., once `zfs list` knows it.
zfs_root_dataset() {
	zrd_ds=${REAL_ROOT#ZFS=}
	zfs list -H -o name "$zrd_ds" >/dev/null 2>&1 || return 1
	echo "$zrd_ds"
}

# gk_poll's check: the dataset as GK_ROOT_DEV.
zfs_root_present() {
	GK_ROOT_DEV=$(zfs_root_dataset)
}

zfs_tick() {
	gk_run_hooks root_wait
}

zfs_wait_root() {
	zwr_timeout=$(gk_root_timeout)
	gk_poll "$zwr_timeout" "ZFS dataset ${REAL_ROOT#ZFS=}" zfs_tick zfs_root_present && return 0
	gk_fail "ZFS dataset ${REAL_ROOT#ZFS=} did not appear within $zwr_timeout s" \
		"zfs list ${REAL_ROOT#ZFS=} after zpool import; imported pools: $(zpool list -H -o name 2>/dev/null | tr '\n' ' ')"
	return 1
}

zfs_prop() {
	zfs get -H -o value "$1" "$2" 2>/dev/null
}

# Load the key of dataset $1's encryption root when it is not loaded yet. 0: nothing to do or
# loaded; 1: not loaded (said why).
zfs_load_key() {
	zlk_status=$(zfs_prop keystatus "$1")
	[ "$zlk_status" = unavailable ] || return 0
	zlk_root=$(zfs_prop encryptionroot "$1")
	[ -n "$zlk_root" ] && [ "$zlk_root" != - ] || zlk_root=$1
	zlk_loc=$(zfs_prop keylocation "$zlk_root")
	if [ "$zlk_loc" != prompt ]; then
		gk_info "zfs: loading the key of $zlk_root from $zlk_loc"
		zfs load-key "$zlk_root" && return 0
		gk_warn "zfs: could not load the key of $zlk_root from $zlk_loc (is the key file in the image?)"
		return 1
	fi
	zlk_try=0
	while [ "$zlk_try" -lt "$ZFS_KEY_TRIES" ]; do
		zlk_try=$((zlk_try + 1))
		gk_prompt_read -s "Enter passphrase for ZFS dataset $zlk_root: " || return 1
		# zfs load-key reads the passphrase from stdin when it is not a terminal; printf is a
		# builtin, so the passphrase never shows in a process list.
		if printf '%s\n' "$GK_ANSWER" | zfs load-key "$zlk_root"; then
			GK_ANSWER=
			gk_info "zfs: the key of $zlk_root is loaded"
			return 0
		fi
		GK_ANSWER=
		gk_warn "zfs: wrong passphrase for $zlk_root (attempt $zlk_try of $ZFS_KEY_TRIES)"
	done
	return 1
}

# mountpoint=legacy datasets mount like any filesystem; others need the zfsutil option.
zfs_mount_root() {
	if ! zfs_load_key "$GK_ROOT_DEV"; then
		gk_fail "the key of ZFS dataset $GK_ROOT_DEV is not loaded" \
			"zfs load-key on its encryption root $(zfs_prop encryptionroot "$GK_ROOT_DEV") (keylocation $(zfs_prop keylocation "$GK_ROOT_DEV"))"
		return 1
	fi
	mkdir -p "$GK_NEWROOT"
	zmr_opts=$(gk_root_mount_options)
	[ "$(zfs get -H -o value mountpoint "$GK_ROOT_DEV" 2>/dev/null)" = legacy ] || zmr_opts="zfsutil,$zmr_opts"
	gk_info "modules loaded: $(gk_loaded_modules)"
	gk_info "mounting ZFS dataset $GK_ROOT_DEV ($zmr_opts) on $GK_NEWROOT"
	mount -t zfs -o "$zmr_opts" "$GK_ROOT_DEV" "$GK_NEWROOT" && return 0
	gk_fail "could not mount ZFS dataset $GK_ROOT_DEV" "mount -t zfs -o $zmr_opts $GK_ROOT_DEV $GK_NEWROOT"
	return 1
}

zfs_wanted() {
	gk_cmdline_has dozfs && return 0
	gk_cmdline_get dozfs >/dev/null && return 0
	case "$REAL_ROOT" in
	ZFS | ZFS=* | zfs:*) return 0 ;;
	esac
	return 1
}

if zfs_wanted; then
	gk_hooks_modules="$gk_hooks_modules zfs_modules"
	gk_hooks_pre_root="$gk_hooks_pre_root zfs_import"
fi
