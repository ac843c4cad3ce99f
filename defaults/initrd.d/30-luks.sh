# shellcheck shell=sh
# LUKS (--luks): open crypt_root= (a /dev node, UUID= or LABEL=) as /dev/mapper/root
# before the root device is looked for. The key is, in this order:
#   root_key=FILE with root_keydev=DEV  a file on another device, mounted read-only
#   root_key=FILE alone                  a file inside the initramfs
#   otherwise                            a passphrase typed on the console, with retries
# root_trim=yes lets discards through (--allow-discards). When root= is unset or names
# the encrypted device itself, the root becomes /dev/mapper/root; set root= to something
# else for LVM or RAID inside the container (root=/dev/VG/LV with dolvm).

LUKS_NAME=root
LUKS_TRIES=3
LUKS_KEYMNT=/run/gk-luks-keydev
# Seconds to wait for crypt_root= and root_keydev= to appear.
LUKS_DEV_TIMEOUT=10

luks_modules() {
	[ "$GK_NOMODULES" = 1 ] && return 0
	[ -d "/lib/modules/$(uname -r)" ] || return 0
	# The cipher itself (aes, xts) is requested by dm-crypt through the kernel's module loader.
	gk_load_named_modules luks dm_mod dm_crypt xts af_alg algif_skcipher algif_hash
}

# Value of LUKS2 "Label:" (empty for LUKS1) of device $1.
luks_label_of() {
	cryptsetup luksDump "$1" 2>/dev/null | sed -n 's/^Label:[[:space:]]*//p'
}

# Device for spec $1 (/dev/..., UUID=, LABEL=, or what else the init resolves). findfs may
# not know LUKS headers, so UUID= and LABEL= fall back to asking cryptsetup about each disk.
luks_find() {
	gk_resolve_root "$1" 2>/dev/null && return 0
	case "$1" in
	UUID=* | LABEL=*) ;;
	*) return 1 ;;
	esac
	for lf_d in $(gk_block_devices); do
		cryptsetup isLuks "$lf_d" 2>/dev/null || continue
		case "$1" in
		UUID=*) [ "$(cryptsetup luksUUID "$lf_d" 2>/dev/null)" = "${1#UUID=}" ] ;;
		LABEL=*) [ "$(luks_label_of "$lf_d")" = "${1#LABEL=}" ] ;;
		esac && {
			echo "$lf_d"
			return 0
		}
	done
	return 1
}

# Wait, bounded, for spec $2 ($1 says what it is for); prints the device. While waiting
# the root_wait hooks rescan (the device may be an LVM volume or a RAID array).
luks_wait() {
	lw_deadline=$(($(gk_uptime) + LUKS_DEV_TIMEOUT))
	lw_last=
	while :; do
		luks_find "$2" && return 0
		lw_now=$(gk_uptime)
		[ "$lw_now" -ge "$lw_deadline" ] && break
		if [ "$lw_now" != "$lw_last" ]; then
			lw_last=$lw_now
			[ "$GK_NOMODULES" = 1 ] || gk_load_device_modules
			gk_run_hooks root_wait >/dev/null
		fi
		gk_nap
	done
	gk_warn "luks: $1 $2 did not appear within $LUKS_DEV_TIMEOUT s" >&2
	return 1
}

# cryptsetup open with the options every way of unlocking shares; key file in $1 ("-" = stdin).
luks_open_with() {
	lo_trim=
	if [ "$LUKS_TRIM" = yes ]; then
		lo_trim=--allow-discards
		gk_info "luks: discards allowed (root_trim=yes)"
	fi
	# shellcheck disable=SC2086 # lo_trim is one word or nothing
	cryptsetup open --type luks $lo_trim --key-file="$1" "$LUKS_DEV" "$LUKS_NAME"
}

# Key file root_key= on root_keydev= (or in the image when there is no root_keydev=).
luks_open_keyfile() {
	if [ -z "$LUKS_KEYDEV" ]; then
		if [ ! -r "$LUKS_KEY" ]; then
			gk_warn "luks: key file $LUKS_KEY is not in the initramfs (give root_keydev= when it is on a device)"
			return 1
		fi
		gk_info "luks: opening $LUKS_DEV with key file $LUKS_KEY from the initramfs"
		luks_open_with "$LUKS_KEY"
		return
	fi
	lok_dev=$(luks_wait "key device" "$LUKS_KEYDEV") || return 1
	mkdir -p "$LUKS_KEYMNT"
	lok_type=$(gk_probe_fstype "$lok_dev") && gk_load_fs_module "$lok_type"
	if ! mount -o ro ${lok_type:+-t "$lok_type"} "$lok_dev" "$LUKS_KEYMNT"; then
		gk_warn "luks: could not mount key device $lok_dev"
		return 1
	fi
	lok_rc=1
	if [ -r "$LUKS_KEYMNT/${LUKS_KEY#/}" ]; then
		gk_info "luks: opening $LUKS_DEV with key file $LUKS_KEY on $lok_dev"
		luks_open_with "$LUKS_KEYMNT/${LUKS_KEY#/}" && lok_rc=0
	else
		gk_warn "luks: key file $LUKS_KEY is not on $lok_dev"
	fi
	umount "$LUKS_KEYMNT"
	return "$lok_rc"
}

# Passphrase typed on the console. The prompt names the device; echo is off while typing.
luks_open_passphrase() {
	lop_try=0
	while [ "$lop_try" -lt "$LUKS_TRIES" ]; do
		lop_try=$((lop_try + 1))
		# Echo off before the prompt shows: whoever answers the prompt may type at once.
		gk_have stty && stty -echo 2>/dev/null
		printf 'Enter passphrase for %s (%s): ' "$LUKS_DEV" "$LUKS_SPEC"
		lop_pass=
		read -r lop_pass || lop_pass=
		gk_have stty && stty echo 2>/dev/null
		echo
		# printf is a shell builtin: the passphrase never shows up in a process list.
		if printf '%s' "$lop_pass" | luks_open_with -; then
			lop_pass=
			return 0
		fi
		lop_pass=
		gk_warn "luks: could not open $LUKS_DEV with that passphrase (attempt $lop_try of $LUKS_TRIES)"
	done
	return 1
}

luks_unlock() {
	LUKS_SPEC=$(gk_cmdline_get crypt_root)
	LUKS_KEY=$(gk_cmdline_get root_key)
	LUKS_KEYDEV=$(gk_cmdline_get root_keydev)
	LUKS_TRIM=$(gk_cmdline_get root_trim)
	if [ -b "/dev/mapper/$LUKS_NAME" ]; then
		gk_info "luks: /dev/mapper/$LUKS_NAME is already open"
	else
		LUKS_DEV=$(luks_wait crypt_root= "$LUKS_SPEC") || return 1
		if ! cryptsetup isLuks "$LUKS_DEV"; then
			gk_warn "luks: $LUKS_DEV ($LUKS_SPEC) has no LUKS header"
			return 1
		fi
		if gk_have luks_try_token && luks_try_token "$LUKS_DEV" "$LUKS_NAME"; then
			: # opened by its TPM2/FIDO2 token (29-luks-token.sh)
		elif [ -n "$LUKS_KEY" ]; then
			luks_open_keyfile || return 1
		else
			luks_open_passphrase || return 1
		fi
		# libdevmapper makes the node itself when no udev runs; dmsetup repairs if it did not.
		[ -b "/dev/mapper/$LUKS_NAME" ] || { gk_have dmsetup && dmsetup mknodes; }
		gk_info "luks: $LUKS_DEV is open as /dev/mapper/$LUKS_NAME"
	fi
	if [ -z "$REAL_ROOT" ] || [ "$REAL_ROOT" = "$LUKS_SPEC" ]; then
		REAL_ROOT=/dev/mapper/$LUKS_NAME
	fi
	return 0
}

if gk_cmdline_get crypt_root >/dev/null; then
	gk_hooks_modules="$gk_hooks_modules luks_modules"
	gk_hooks_pre_root="$gk_hooks_pre_root luks_unlock"
fi
