# shellcheck shell=sh
# Resume from hibernation: resume= / real_resume= name the swap that holds the image (a /dev
# node, UUID=, LABEL=, PARTUUID=, PARTLABEL=); noresume skips it. /init runs gk_resume after
# every pre_root hook (LUKS, LVM, RAID: the swap may live inside them) and before the root is
# checked or mounted. Writing the swap's MAJ:MIN to /sys/power/resume makes the kernel load
# the image; when it does, this boot ends there and the hibernated system continues. A fragment
# that opened the swap itself (crypt_swap=) sets GK_RESUME_FALLBACK for when no resume= is given.

GK_RESUME_DONE=0
# Where the kernel takes the resume device (a variable so the init's tests can point it elsewhere).
GK_SYS_POWER_RESUME=/sys/power/resume

# The page-sized swap header ends with its signature: SWAPSPACE2 for a plain swap area; the
# kernel writes its own (S1SUSPEND) there when it saves an image.
gk_swap_signature() {
	dd if="$1" bs=1 skip=4086 count=10 2>/dev/null | tr -d '\000'
}

# MAJ:MIN of block device $1 in decimal.
gk_devno() {
	gkdn_hex=$(stat -L -c '%t %T' "$1" 2>/dev/null) || return 1
	echo "$((0x${gkdn_hex% *})):$((0x${gkdn_hex#* }))"
}

# gk_poll's check for the resume device.
gk_resume_present() {
	GK_RESUME_DEV=$(gk_resolve_root "$GK_RESUME_SPEC")
}

gk_resume() {
	[ "$GK_RESUME_DONE" = 1 ] && return 0
	GK_RESUME_DONE=1
	GK_RESUME_SPEC=$(gk_cmdline_get real_resume) || GK_RESUME_SPEC=$(gk_cmdline_get resume) || GK_RESUME_SPEC=$GK_RESUME_FALLBACK
	[ -n "$GK_RESUME_SPEC" ] || return 0
	if gk_cmdline_has noresume; then
		gk_info "resume: noresume given: not resuming from $GK_RESUME_SPEC"
		return 0
	fi
	if [ ! -w "$GK_SYS_POWER_RESUME" ]; then
		gk_warn "resume: this kernel cannot resume from hibernation (no /sys/power/resume): booting normally"
		return 0
	fi
	gkrs_timeout=$(gk_device_timeout "$GK_ROOT_TIMEOUT_DEFAULT")
	if ! gk_poll "$gkrs_timeout" "resume device $GK_RESUME_SPEC" gk_device_tick gk_resume_present; then
		gk_warn "resume: resume device $GK_RESUME_SPEC did not appear within $gkrs_timeout s: booting without resuming"
		return 0
	fi
	gkrs_sig=$(gk_swap_signature "$GK_RESUME_DEV")
	case "$gkrs_sig" in
	SWAPSPACE2 | SWAP-SPACE)
		gk_info "resume: no hibernation image on $GK_RESUME_DEV (a plain swap area): booting normally"
		return 0
		;;
	esac
	gkrs_devno=$(gk_devno "$GK_RESUME_DEV") || {
		gk_warn "resume: cannot read the device number of $GK_RESUME_DEV: booting without resuming"
		return 0
	}
	gk_info "resume: resuming from $GK_RESUME_DEV ($gkrs_devno, signature ${gkrs_sig:-none})"
	# Returns only when the kernel did not restore an image; it logs why.
	echo "$gkrs_devno" >"$GK_SYS_POWER_RESUME" 2>/dev/null
	gk_warn "resume: the kernel resumed nothing from $GK_RESUME_DEV (see its log above): booting normally"
	return 0
}
