# shellcheck shell=sh
# Device-mapper mappings the init opened (LUKS containers), and the names the real root's
# /etc/crypttab gives them.
#
# A real system's init reads /etc/crypttab and opens each entry under its name
# (`sda3_crypt`); a container the initramfs already opened under another name (root) would be
# asked for again, and the unlock fails as the device is busy. So after the root is mounted,
# every mapping the init opened whose source device a crypttab entry names (UUID=, PARTUUID=,
# LABEL=, PARTLABEL= or a /dev path) is renamed to that entry's name with `dmsetup rename`
# (allowed while mounted; udev moves the /dev/mapper link). Nothing else of crypttab is acted
# on: entries the init did not open, and entries of another kind (plain, tcrypt, bitlk, swap,
# tmp), stay for the real system as they are.

# "NAME SOURCE-DEVICE" per line, one for each mapping the init opened.
GK_OPENED=/run/gk-opened

# Record mapping $1, opened on block device $2.
gk_mapping_opened() {
	grep -qxF "$1 $2" "$GK_OPENED" 2>/dev/null || echo "$1 $2" >>"$GK_OPENED"
}

# The device node a crypttab device field ($1) names now, or nothing.
gk_crypttab_device() {
	case "$1" in
	/*) readlink -f "$1" 2>/dev/null ;;
	*) gk_resolve_root "$1" 2>/dev/null ;;
	esac
}

# Is block device $2 the one crypttab's device field $1 names? UUID= also matches a LUKS
# header's UUID, which findfs may not know.
gk_crypttab_names_dev() {
	gkcn_want=$(readlink -f "$2" 2>/dev/null)
	[ -n "$gkcn_want" ] || return 1
	[ "$(gk_crypttab_device "$1")" = "$gkcn_want" ] && return 0
	case "$1" in
	UUID=*) gk_have cryptsetup && [ "$(cryptsetup luksUUID "$2" </dev/null 2>/dev/null)" = "${1#UUID=}" ] ;;
	*) return 1 ;;
	esac
}

# Does the crypttab options field $1 describe something other than a LUKS container?
gk_crypttab_other_kind() {
	case ",$1," in
	*,plain,* | *,tcrypt,* | *,bitlk,* | *,swap,* | *,tmp,* | *,tmp=*) return 0 ;;
	esac
	return 1
}

# post_mount: give each opened mapping its crypttab name.
gk_crypttab_names() {
	[ -s "$GK_OPENED" ] || return 0
	gkcr_tab=$(gk_path_in_root /etc/crypttab)
	[ -r "$gkcr_tab" ] || return 0
	gkcr_new=$GK_OPENED.new
	: >"$gkcr_new"
	while read -r gkcr_name gkcr_src; do
		gkcr_to=
		while read -r gkct_name gkct_dev _ gkct_opts; do
			case "$gkct_name" in '' | '#'*) continue ;; esac
			gk_crypttab_other_kind "$gkct_opts" && continue
			gk_crypttab_names_dev "$gkct_dev" "$gkcr_src" || continue
			gkcr_to=$gkct_name
			break
		done <"$gkcr_tab"
		if [ -n "$gkcr_to" ] && [ "$gkcr_to" != "$gkcr_name" ]; then
			if [ -e "/dev/mapper/$gkcr_to" ]; then
				gk_warn "crypttab: $gkcr_src is open as $gkcr_name; /dev/mapper/$gkcr_to is taken, so it keeps that name"
			elif dmsetup rename "$gkcr_name" "$gkcr_to" </dev/null; then
				gk_info "crypttab: /dev/mapper/$gkcr_name renamed to $gkcr_to, as the real root's /etc/crypttab names $gkcr_src"
				gkcr_name=$gkcr_to
			else
				gk_warn "crypttab: could not rename /dev/mapper/$gkcr_name to $gkcr_to"
			fi
		fi
		echo "$gkcr_name $gkcr_src" >>"$gkcr_new"
	done <"$GK_OPENED"
	mv "$gkcr_new" "$GK_OPENED"
	return 0
}
