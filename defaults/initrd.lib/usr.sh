# shellcheck shell=sh
# A separate /usr: when the real root's /etc/fstab has a /usr line, /usr is mounted (checked
# first when the image has its checker and the line's pass number is not 0) before the real
# init starts, as genkernel and dracut do: an init may live in /usr (merged /usr). The device
# (/dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL=), type and options come from that line; the
# mode follows the root's (ro unless rw is given) so that the real system checks and remounts
# it as it does the root. Options meant only for the real system's mount -a are left out.

# The /usr line of the new root's fstab as "SPEC TYPE OPTIONS PASSNO"; fails when there is none.
gk_fstab_usr() {
	[ -r "$GK_NEWROOT/etc/fstab" ] || return 1
	while read -r gkfu_spec gkfu_dir gkfu_type gkfu_opts _ gkfu_pass; do
		case "$gkfu_spec" in '#'* | '') continue ;; esac
		[ "$gkfu_dir" = /usr ] || [ "$gkfu_dir" = /usr/ ] || continue
		echo "$gkfu_spec ${gkfu_type:-auto} ${gkfu_opts:-defaults} ${gkfu_pass:-0}"
		return 0
	done <"$GK_NEWROOT/etc/fstab"
	return 1
}

# fstab options -> mount options: the root's mode first, then what the kernel or filesystem reads.
gk_usr_mount_options() {
	gkuo_out=$GK_MOUNT_MODE
	for gkuo_w in $(echo "$1" | tr , ' '); do
		case "$gkuo_w" in
		defaults | auto | noauto | nofail | user | nouser | users | owner | group | _netdev | x-* | comment=* | ro | rw) ;;
		*) gkuo_out="$gkuo_out,$gkuo_w" ;;
		esac
	done
	echo "$gkuo_out"
}

# gk_poll's check for the /usr device.
gk_usr_present() {
	GK_USR_DEV=$(gk_resolve_root "$GK_USR_SPEC")
}

# 0 when there is no separate /usr or it is mounted on $GK_NEWROOT/usr; otherwise gk_fail said why.
gk_mount_usr() {
	gkmu_line=$(gk_fstab_usr) || return 0
	set -f
	# shellcheck disable=SC2086 # the four fields of the line, globbing off
	set -- $gkmu_line
	set +f
	GK_USR_SPEC=$1
	gkmu_type=$2
	[ "$gkmu_type" = auto ] && gkmu_type=
	gkmu_opts=$(gk_usr_mount_options "$3")
	gkmu_pass=$4
	gkmu_timeout=$(gk_device_timeout "$GK_ROOT_TIMEOUT_DEFAULT")
	if ! gk_poll "$gkmu_timeout" "the /usr device $GK_USR_SPEC (the root's /etc/fstab)" gk_device_tick gk_usr_present; then
		gk_resolve_root "$GK_USR_SPEC" >/dev/null
		gk_fail "the /usr device $GK_USR_SPEC (from the root's /etc/fstab) did not appear within $gkmu_timeout s" "$GK_ROOT_TRIED"
		return 1
	fi
	if [ -z "$gkmu_type" ]; then
		gkmu_type=$(gk_probe_fstype "$GK_USR_DEV") || gkmu_type=
	fi
	if [ -n "$gkmu_type" ] && [ "$gkmu_pass" != 0 ]; then
		gk_fsck "$GK_USR_DEV" "$gkmu_type" /usr || return 1
	fi
	gk_info "mounting /usr: $GK_USR_DEV (${gkmu_type:-type unknown}, $gkmu_opts) on $GK_NEWROOT/usr"
	gk_mount_fs "$GK_USR_DEV" "$GK_NEWROOT/usr" "$gkmu_opts" "$gkmu_type" && return 0
	gk_fail "could not mount /usr ($GK_USR_DEV, from the root's /etc/fstab)" \
		"mount ${gkmu_type:+-t $gkmu_type }-o $gkmu_opts $GK_USR_DEV $GK_NEWROOT/usr"
	return 1
}
