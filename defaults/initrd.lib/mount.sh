# shellcheck shell=sh
# Mounting filesystems other than the root (key and header devices, /usr): the type the caller
# names or the one on the disk, its module and the modules it loads by name while mounting
# (gk_load_fs_module), so every filesystem the image carries mounts, vfat included.

# gk_mount_fs DEV DIR OPTIONS [FSTYPE]: 0 when mounted; otherwise one line says what failed.
gk_mount_fs() {
	gkmf_type=$4
	if [ -z "$gkmf_type" ]; then
		gkmf_type=$(gk_probe_fstype "$1") || gkmf_type=
	fi
	mkdir -p "$2"
	if [ -n "$gkmf_type" ]; then
		gk_load_fs_module "$gkmf_type"
		mount -t "$gkmf_type" -o "$3" "$1" "$2" && return 0
	else
		gk_load_common_fs_modules
		mount -o "$3" "$1" "$2" && return 0
	fi
	gk_warn "could not mount $1 (${gkmf_type:-type not detected}) on $2 with options $3"
	return 1
}
