# shellcheck shell=sh
# LUKS (feature "luks", src/features/luks.ts): open crypt_swap= as /dev/mapper/$LUKS_SWAP_NAME,
# then crypt_root= (a /dev node, UUID= or LABEL=) as /dev/mapper/$LUKS_ROOT_NAME, before the
# root device is looked for (the swap first: resume from hibernation runs between the pre_root
# hooks and the root, and an opened swap is the resume device when no resume= is given).
# root_trim=yes lets discards through (--allow-discards). When root= is unset or names the
# encrypted device itself, the root becomes that mapping; set root= to something else for LVM or
# RAID inside the container (root=/dev/VG/LV with dolvm).
# Per container (T = root or swap, genkernel's names): T_key=, T_keydev=, T_keydev_fstype=;
# a detached LUKS header T_header=FILE on T_headerdev= (T_headerdev_fstype=) or in the image;
# crypt_T_options= (comma separated cryptsetup options, only those on the allow-list).
# From 30-luks.conf: LUKS_MODULES (loaded at boot), LUKS_ROOT_NAME, LUKS_SWAP_NAME,
# LUKS_KEYMNT, LUKS_HEADERMNT, LUKS_FLAG_OPTIONS, LUKS_NUMBER_OPTIONS (the allow-list).
#
# Unlocking is one path. luks_open_target waits for the device, then tries these methods in
# order until one has opened the container:
#   luks_by_keyfile      T_key=FILE, on T_keydev=DEV (mounted read-only) or in the image
#   $gk_unlock_methods   methods other fragments register, in order (SSH; a TPM2 token)
#   luks_by_prompt       a passphrase typed on the console, with retries
# A method returns 0 when the container is open, 1 to let the next method try, 2 to stop
# (the boot fails). Methods open through luks_open_key (a key file, "-" for stdin) or
# luks_open_typed (passphrases read from stdin), which use LUKS_DEV, LUKS_NAME, LUKS_TRIM,
# LUKS_OPTS and LUKS_HEADER_FILE (set by luks_settings and luks_header_attach).

LUKS_TRIES=3
# Seconds to wait for crypt_root= and root_keydev= to appear (rootdelay= raises it).
LUKS_DEV_TIMEOUT=10

luks_modules() {
	# The cipher itself (aes, xts) is requested by dm-crypt through the kernel's module loader.
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules luks $LUKS_MODULES
}

# What the command line asks for container $1: root (the default) or swap.
luks_settings() {
	LUKS_TARGET=${1:-root}
	if [ "$LUKS_TARGET" = swap ]; then
		LUKS_NAME=$LUKS_SWAP_NAME
		LUKS_TRIM=
	else
		LUKS_NAME=$LUKS_ROOT_NAME
		LUKS_TRIM=$(gk_cmdline_get root_trim)
	fi
	LUKS_SPEC=$(gk_cmdline_get "crypt_$LUKS_TARGET")
	LUKS_KEY=$(gk_cmdline_get "${LUKS_TARGET}_key")
	LUKS_KEYDEV=$(gk_cmdline_get "${LUKS_TARGET}_keydev")
	LUKS_KEYDEV_FSTYPE=$(gk_cmdline_get "${LUKS_TARGET}_keydev_fstype")
	LUKS_HEADER=$(gk_cmdline_get "${LUKS_TARGET}_header")
	LUKS_HEADERDEV=$(gk_cmdline_get "${LUKS_TARGET}_headerdev")
	LUKS_HEADERDEV_FSTYPE=$(gk_cmdline_get "${LUKS_TARGET}_headerdev_fstype")
	LUKS_HEADER_FILE=
	LUKS_OPTS=$(luks_checked_options "$(gk_cmdline_get "crypt_${LUKS_TARGET}_options")")
}

# crypt_T_options= as genkernel reads it (a comma separated list), keeping only the options on
# the allow-list: flags as they are, numeric options as --name=N. Anything else could change
# what gets opened or how (another header, a volume key file, a test run), so it is refused.
luks_checked_options() {
	lco_out=
	for lco_o in $(echo "$1" | tr , ' '); do
		if gk_in_list "$lco_o" "$LUKS_FLAG_OPTIONS"; then
			lco_out="$lco_out $lco_o"
		elif gk_in_list "${lco_o%%=*}" "$LUKS_NUMBER_OPTIONS" && gk_is_int "${lco_o#*=}"; then
			lco_out="$lco_out $lco_o"
		else
			gk_warn "luks: crypt_${LUKS_TARGET}_options: '$lco_o' is refused -- allowed: $LUKS_FLAG_OPTIONS, and $(echo "$LUKS_NUMBER_OPTIONS" | sed 's/\([^ ]*\)/\1=N/g')"
		fi
	done
	echo "${lco_out# }"
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

# gk_poll's check: sets LUKS_FOUND to the device of spec $1.
luks_located() {
	LUKS_FOUND=$(luks_find "$1")
}

# Wait, bounded, for spec $2 ($1 says what it is for); sets LUKS_FOUND. While waiting the
# device tick loads new drivers and runs the root_wait hooks (it may be an LVM volume or a
# RAID array).
luks_wait() {
	lw_timeout=$(gk_device_timeout "$LUKS_DEV_TIMEOUT")
	gk_poll "$lw_timeout" "$1 $2" gk_device_tick luks_located "$2" && return 0
	gk_warn "luks: $1 $2 did not appear within $lw_timeout s"
	return 1
}

luks_is_open() {
	[ -b "/dev/mapper/$LUKS_NAME" ]
}

# cryptsetup open with the options every way of unlocking shares; key file in $1 ("-" = stdin).
luks_open_key() {
	lok_trim=
	if [ "$LUKS_TRIM" = yes ]; then
		lok_trim=--allow-discards
		gk_info "luks: discards allowed (root_trim=yes)"
	fi
	[ -n "$LUKS_OPTS" ] && gk_info "luks: cryptsetup options for $LUKS_TARGET: $LUKS_OPTS"
	# shellcheck disable=SC2086 # lok_trim is one word or nothing, LUKS_OPTS checked words
	cryptsetup open --type luks $lok_trim $LUKS_OPTS ${LUKS_HEADER_FILE:+--header "$LUKS_HEADER_FILE"} --key-file="$1" "$LUKS_DEV" "$LUKS_NAME"
}

# Does $LUKS_DEV (with its detached header, when there is one) hold a LUKS container?
luks_is_luks() {
	cryptsetup isLuks ${LUKS_HEADER_FILE:+--header "$LUKS_HEADER_FILE"} "$LUKS_DEV"
}

# A detached header (T_header=FILE): on T_headerdev=, mounted read-only while the container is
# opened, or inside the image. Sets LUKS_HEADER_FILE; a header that is not there stops the unlock.
luks_header_attach() {
	LUKS_HEADER_FILE=
	[ -n "$LUKS_HEADER" ] || return 0
	if [ -z "$LUKS_HEADERDEV" ]; then
		if [ ! -r "$LUKS_HEADER" ]; then
			gk_warn "luks: header file $LUKS_HEADER is not in the initramfs (give ${LUKS_TARGET}_headerdev= when it is on a device)"
			return 1
		fi
		LUKS_HEADER_FILE=$LUKS_HEADER
		return 0
	fi
	luks_wait "header device" "$LUKS_HEADERDEV" || return 1
	gk_mount_fs "$LUKS_FOUND" "$LUKS_HEADERMNT" ro "$LUKS_HEADERDEV_FSTYPE" || return 1
	if [ ! -r "$LUKS_HEADERMNT/${LUKS_HEADER#/}" ]; then
		gk_warn "luks: header file $LUKS_HEADER is not on $LUKS_FOUND (${LUKS_TARGET}_headerdev=$LUKS_HEADERDEV)"
		umount "$LUKS_HEADERMNT"
		return 1
	fi
	LUKS_HEADER_FILE=$LUKS_HEADERMNT/${LUKS_HEADER#/}
	gk_info "luks: detached header $LUKS_HEADER on $LUKS_FOUND for $LUKS_DEV"
}

luks_header_detach() {
	case "$LUKS_HEADER_FILE" in
	"$LUKS_HEADERMNT"/*) umount "$LUKS_HEADERMNT" 2>/dev/null ;;
	esac
	LUKS_HEADER_FILE=
	return 0
}

# Read a passphrase from stdin up to $1 times and open the container with it; $2 is a hint
# for the prompt. The prompt names the device and goes to stderr; on a terminal echo is off
# while typing. Stops at the end of input, and as soon as someone else opened the container.
luks_open_typed() {
	lot_try=0
	while [ "$lot_try" -lt "$1" ]; do
		lot_try=$((lot_try + 1))
		# The init's one prompt (echo off, gk.prompt.timeout, gk.userinteraction.disabled).
		gk_prompt_read -s "Enter passphrase for $LUKS_DEV${2:+ ($2)}: " || return 1
		lot_pass=$GK_ANSWER
		GK_ANSWER=
		# printf is a shell builtin: the passphrase never shows up in a process list.
		if printf '%s' "$lot_pass" | luks_open_key -; then
			lot_pass=
			return 0
		fi
		lot_pass=
		luks_is_open && return 0
		gk_warn "luks: could not open $LUKS_DEV with that passphrase (attempt $lot_try of $1)"
	done
	return 1
}

# Key file root_key= on root_keydev= (or in the image when there is no root_keydev=).
luks_open_keyfile() {
	if [ -z "$LUKS_KEYDEV" ]; then
		if [ ! -r "$LUKS_KEY" ]; then
			gk_warn "luks: key file $LUKS_KEY is not in the initramfs (give root_keydev= when it is on a device)"
			return 1
		fi
		gk_info "luks: opening $LUKS_DEV with key file $LUKS_KEY from the initramfs"
		luks_open_key "$LUKS_KEY"
		return
	fi
	luks_wait "key device" "$LUKS_KEYDEV" || return 1
	lok_dev=$LUKS_FOUND
	if ! gk_mount_fs "$lok_dev" "$LUKS_KEYMNT" ro "$LUKS_KEYDEV_FSTYPE"; then
		gk_warn "luks: could not mount key device $lok_dev"
		return 1
	fi
	lok_rc=1
	if [ -r "$LUKS_KEYMNT/${LUKS_KEY#/}" ]; then
		gk_info "luks: opening $LUKS_DEV with key file $LUKS_KEY on $lok_dev"
		luks_open_key "$LUKS_KEYMNT/${LUKS_KEY#/}" && lok_rc=0
	else
		gk_warn "luks: key file $LUKS_KEY is not on $lok_dev"
	fi
	umount "$LUKS_KEYMNT"
	return "$lok_rc"
}

# Method: root_key= names the key; when it does not open the container the boot stops.
luks_by_keyfile() {
	[ -n "$LUKS_KEY" ] || return 1
	luks_open_keyfile && return 0
	return 2
}

# Method, always the last: the console prompt.
luks_by_prompt() {
	luks_open_typed "$LUKS_TRIES" "$LUKS_SPEC" && return 0
	return 2
}

# shellcheck disable=SC2154 # gk_unlock_methods: registered by other fragments, reset by the init
luks_try_methods() {
	for ltm_m in luks_by_keyfile $gk_unlock_methods luks_by_prompt; do
		gk_debug "luks: trying $ltm_m"
		"$ltm_m"
		case $? in
		0) return 0 ;;
		2) return 1 ;;
		esac
	done
	return 1
}

# Open the container luks_settings chose; 0 when /dev/mapper/$LUKS_NAME is there.
luks_open_target() {
	if luks_is_open; then
		gk_info "luks: /dev/mapper/$LUKS_NAME is already open"
		# Opened by this init another way (gk-unlock over SSH): recorded too, for the crypttab names.
		lot_src=$(cryptsetup status "$LUKS_NAME" 2>/dev/null | sed -n 's/^ *device: *//p')
		[ -z "$lot_src" ] || gk_mapping_opened "$LUKS_NAME" "$lot_src"
		return 0
	fi
	luks_wait "crypt_$LUKS_TARGET=" "$LUKS_SPEC" || return 1
	LUKS_DEV=$LUKS_FOUND
	luks_header_attach || return 1
	if ! luks_is_luks; then
		gk_warn "luks: $LUKS_DEV ($LUKS_SPEC) has no LUKS header${LUKS_HEADER_FILE:+ (detached header $LUKS_HEADER)}"
		luks_header_detach
		return 1
	fi
	lot_ok=1
	# A TPM2/FIDO2 token (29-luks-token.sh, --tpm2/--fido2) goes first: it needs no one at the console.
	if [ -z "$LUKS_HEADER_FILE" ] && gk_have luks_try_token && luks_try_token "$LUKS_DEV" "$LUKS_NAME"; then
		:
	else
		luks_try_methods || lot_ok=0
	fi
	luks_header_detach
	[ "$lot_ok" = 1 ] || return 1
	# libdevmapper makes the node itself when no udev runs; dmsetup repairs if it did not.
	luks_is_open || { gk_have dmsetup && dmsetup mknodes; }
	gk_info "luks: $LUKS_DEV is open as /dev/mapper/$LUKS_NAME"
	gk_mapping_opened "$LUKS_NAME" "$LUKS_DEV"
}

luks_unlock() {
	luks_settings root
	luks_open_target || return 1
	if [ -z "$REAL_ROOT" ] || [ "$REAL_ROOT" = "$LUKS_SPEC" ]; then
		REAL_ROOT=/dev/mapper/$LUKS_NAME
	fi
	return 0
}

# crypt_swap=: the opened swap is the resume device unless resume= names another (as in genkernel).
luks_unlock_swap() {
	luks_settings swap
	luks_open_target || return 1
	# shellcheck disable=SC2034 # read by gk_resume (initrd.lib/resume.sh)
	GK_RESUME_FALLBACK=/dev/mapper/$LUKS_NAME
	return 0
}

if gk_cmdline_get crypt_root >/dev/null || gk_cmdline_get crypt_swap >/dev/null; then
	gk_hooks_modules="$gk_hooks_modules luks_modules"
	# The real root's /etc/crypttab names for what was opened (mappings.sh).
	gk_hooks_post_mount="$gk_hooks_post_mount gk_crypttab_names"
fi
gk_cmdline_get crypt_swap >/dev/null && gk_hooks_pre_root="$gk_hooks_pre_root luks_unlock_swap"
gk_cmdline_get crypt_root >/dev/null && gk_hooks_pre_root="$gk_hooks_pre_root luks_unlock"
