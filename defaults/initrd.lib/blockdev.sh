# shellcheck shell=sh
# Block devices, read straight from sysfs and the disks (no udev, blkid optional): filesystem
# types, partition ids, and root= specs resolved to /dev nodes.

# Read $3 bytes at offset $2 of device $1 as lowercase hex without spaces.
gk_read_hex() {
	dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null | od -An -tx1 -v | tr -d ' \n'
}

# Little-endian unsigned integer of $3 bytes at $2 of device $1, in decimal.
gk_read_le() {
	gkrl_hex=$(gk_read_hex "$1" "$2" "$3")
	gkrl_be=
	while [ -n "$gkrl_hex" ]; do
		gkrl_rest=${gkrl_hex#??}
		gkrl_be="${gkrl_hex%"$gkrl_rest"}$gkrl_be"
		gkrl_hex=$gkrl_rest
	done
	echo $((0x${gkrl_be:-0}))
}

# Filesystem type from the superblock: blkid when the image has one, else a few magics.
gk_probe_fstype() {
	if gk_have blkid; then
		gkpf_t=$(blkid "$1" 2>/dev/null | sed -n 's/.* TYPE="\([^"]*\)".*/\1/p')
		if [ -n "$gkpf_t" ]; then
			echo "$gkpf_t"
			return 0
		fi
	fi
	[ "$(gk_read_hex "$1" 1080 2)" = 53ef ] && { echo ext4; return 0; }
	[ "$(gk_read_hex "$1" 0 4)" = 58465342 ] && { echo xfs; return 0; }
	[ "$(gk_read_hex "$1" 65600 8)" = 5f42485266535f4d ] && { echo btrfs; return 0; }
	[ "$(gk_read_hex "$1" 1024 4)" = 1020f5f2 ] && { echo f2fs; return 0; }
	[ "$(gk_read_hex "$1" 0 4)" = 68737173 ] && { echo squashfs; return 0; }
	return 1
}

# The /dev node of every block device the kernel knows, from /sys (no udev needed).
gk_block_devices() {
	for gkbd_d in /sys/class/block/*; do
		[ -e "$gkbd_d/dev" ] && echo "/dev/${gkbd_d##*/}"
	done
	return 0
}

# Value of KEY= in a sysfs uevent file.
gk_uevent_get() {
	sed -n "s/^$2=//p" "$1" 2>/dev/null
}

# GUID bytes as stored on disk (first three fields little endian) -> text form.
gk_guid_from_hex() {
	echo "$1" | sed 's/^\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(....\)/\4\3\2\1-\6\5-\8\7-\9-/'
}

# PARTUUID of partition $1 (e.g. vda1), from the GPT entry or the MBR disk signature,
# read straight from the parent disk so that no blkid is needed.
gk_partuuid_of() {
	gkpu_sys=/sys/class/block/$1
	[ -e "$gkpu_sys/partition" ] || return 1
	gkpu_n=$(cat "$gkpu_sys/partition")
	# -P: the partition's sysfs entry is a symlink into its disk's directory.
	gkpu_disk=$(cd -P "$gkpu_sys/.." 2>/dev/null && pwd)
	gkpu_disk=/dev/${gkpu_disk##*/}
	[ -b "$gkpu_disk" ] || return 1
	gkpu_ss=$(cat "/sys/class/block/${gkpu_disk#/dev/}/queue/logical_block_size" 2>/dev/null)
	gk_is_int "$gkpu_ss" || gkpu_ss=512
	if [ "$(gk_read_hex "$gkpu_disk" "$gkpu_ss" 8)" = 4546492050415254 ]; then
		# "EFI PART": entries start at the LBA stored at header offset 72, each of the size at 84.
		gkpu_lba=$(gk_read_le "$gkpu_disk" $((gkpu_ss + 72)) 8)
		gkpu_esz=$(gk_read_le "$gkpu_disk" $((gkpu_ss + 84)) 4)
		gkpu_off=$((gkpu_lba * gkpu_ss + (gkpu_n - 1) * gkpu_esz + 16))
		gk_guid_from_hex "$(gk_read_hex "$gkpu_disk" "$gkpu_off" 16)"
		return 0
	fi
	# MBR: disk signature at 440, little endian, then -NN (partition number).
	gkpu_sig=$(gk_read_le "$gkpu_disk" 440 4)
	printf '%08x-%02x\n' "$gkpu_sig" "$gkpu_n"
}

# " (MAJ:MIN)" of block device node $1, for messages; nothing for what is no block device.
gk_devno_of() {
	read -r gkdn_n 2>/dev/null <"/sys/class/block/${1#/dev/}/dev" && echo " ($gkdn_n)"
	return 0
}

# Resolve a device spec (root=, crypt_root=, ...) to a /dev node if it exists now; prints it,
# else fails. GK_ROOT_TRIED collects, for the failure message, what was tried.
gk_resolve_root() {
	gkrr_spec=$1
	case "$gkrr_spec" in
	UUID=* | LABEL=*)
		GK_ROOT_TRIED="findfs $gkrr_spec"
		gkrr_dev=$(findfs "$gkrr_spec" 2>/dev/null)
		if [ -z "$gkrr_dev" ] && gk_have blkid; then
			GK_ROOT_TRIED="$GK_ROOT_TRIED; blkid -t $gkrr_spec"
			gkrr_dev=$(blkid -l -o device -t "$gkrr_spec" 2>/dev/null)
		fi
		;;
	PARTLABEL=*)
		GK_ROOT_TRIED="PARTNAME= in /sys/class/block/*/uevent"
		gkrr_dev=
		for gkrr_u in /sys/class/block/*/uevent; do
			if [ "$(gk_uevent_get "$gkrr_u" PARTNAME)" = "${gkrr_spec#PARTLABEL=}" ]; then
				gkrr_dev=/dev/$(gk_uevent_get "$gkrr_u" DEVNAME)
				break
			fi
		done
		;;
	PARTUUID=*)
		GK_ROOT_TRIED="GPT/MBR partition ids of the partitions in /sys/class/block"
		gkrr_want=$(gk_lower "${gkrr_spec#PARTUUID=}")
		gkrr_dev=
		for gkrr_p in /sys/class/block/*; do
			[ -e "$gkrr_p/partition" ] || continue
			if [ "$(gk_partuuid_of "${gkrr_p##*/}")" = "$gkrr_want" ]; then
				gkrr_dev=/dev/${gkrr_p##*/}
				break
			fi
		done
		;;
	/dev/*)
		GK_ROOT_TRIED="the device node $gkrr_spec"
		gkrr_dev=
		[ -b "$gkrr_spec" ] && gkrr_dev=$gkrr_spec
		;;
	*:*)
		# major:minor, as the kernel itself accepts.
		GK_ROOT_TRIED="/sys/dev/block/$gkrr_spec"
		gkrr_dev=
		gkrr_name=$(gk_uevent_get "/sys/dev/block/$gkrr_spec/uevent" DEVNAME)
		[ -n "$gkrr_name" ] && [ -b "/dev/$gkrr_name" ] && gkrr_dev=/dev/$gkrr_name
		;;
	*)
		GK_ROOT_TRIED="nothing: '$gkrr_spec' is not a form this init understands (/dev/..., UUID=, LABEL=, PARTUUID=, PARTLABEL=, MAJ:MIN)"
		return 1
		;;
	esac
	[ -n "$gkrr_dev" ] && [ -b "$gkrr_dev" ] || return 1
	echo "$gkrr_dev"
}

# UUID= and LABEL= of an ext2/3/4 superblock (offsets 1128 and 1144), for messages
# on images without blkid.
gk_ext_ids() {
	gkei_u=$(gk_read_hex "$1" 1128 16 | sed 's/^\(........\)\(....\)\(....\)\(....\)/\1-\2-\3-\4-/')
	gkei_l=$(dd if="$1" bs=1 skip=1144 count=16 2>/dev/null | tr -d '\000')
	echo "UUID=$gkei_u LABEL=$gkei_l"
}

# What the failure message shows about the machine's disks (on stderr, as all messages).
gk_describe_block_devices() {
	gkdb_any=0
	for gkdb_d in /sys/class/block/*; do
		[ -e "$gkdb_d/dev" ] || continue
		gkdb_any=1
		gkdb_n=${gkdb_d##*/}
		gkdb_line="/dev/$gkdb_n"
		gkdb_t=$(gk_probe_fstype "/dev/$gkdb_n" 2>/dev/null) && gkdb_line="$gkdb_line type=$gkdb_t"
		case "$gkdb_t" in
		ext*) gk_have blkid || gkdb_line="$gkdb_line $(gk_ext_ids "/dev/$gkdb_n")" ;;
		esac
		gkdb_pl=$(gk_uevent_get "$gkdb_d/uevent" PARTNAME)
		[ -n "$gkdb_pl" ] && gkdb_line="$gkdb_line PARTLABEL=$gkdb_pl"
		gk_have blkid && gkdb_line="$gkdb_line $(blkid "/dev/$gkdb_n" 2>/dev/null | sed 's/^[^:]*: //')"
		gk_warn "    $gkdb_line"
	done
	[ "$gkdb_any" = 1 ] || gk_warn "    (none: no disk driver bound? check the modules above)"
}
