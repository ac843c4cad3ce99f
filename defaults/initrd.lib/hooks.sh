# shellcheck shell=sh
# Feature fragments (/etc/initrd.d/NN-name.sh) and the hook lists they register on.
# See the contract at the top of /init (defaults/linuxrc).

# Source one fragment, after the NN-name.conf its feature generated at build time: the conf
# holds the modules, files and paths the fragment works with (shell assignments).
gk_source_fragment() {
	gksf_conf=${1%.sh}.conf
	# shellcheck source=/dev/null
	[ -r "$gksf_conf" ] && . "$gksf_conf"
	gk_debug "sourcing $1"
	# shellcheck source=/dev/null
	. "$1"
}

gk_source_fragments() {
	for gksfs_f in /etc/initrd.d/*.sh; do
		[ -r "$gksfs_f" ] || continue
		gk_source_fragment "$gksfs_f"
	done
	return 0
}

# Run every function registered on hook point $1 (variable gk_hooks_$1), in order.
# A failing hook stops the boot through gk_fail, except at root_wait where failures are
# expected (the device may simply not be there yet) and at pre_switch, where the root is
# mounted and the boot goes on whatever a hook says (it warns itself).
gk_run_hooks() {
	gkrh_list=
	eval "gkrh_list=\$gk_hooks_$1"
	gk_debug_at "hook point $1"
	for gkrh_fn in $gkrh_list; do
		gk_debug "hook $1: $gkrh_fn"
		if ! "$gkrh_fn"; then
			[ "$1" = root_wait ] && continue
			if [ "$1" = pre_switch ]; then
				gk_warn "boot hook '$gkrh_fn' (at pre_switch) failed; switching root anyway"
				continue
			fi
			gk_fail "boot hook '$gkrh_fn' (at $1) failed" \
				"the feature fragment under /etc/initrd.d that registered it"
			return 1
		fi
	done
	return 0
}

# For commands run beside the init (gk-unlock, resume-boot in an SSH session): the settings
# and fragment functions the init has. Sourcing fragments only defines and registers.
gk_load_as_helper() {
	read -r GK_CMDLINE </proc/cmdline
	gk_set_defaults
	gk_parse_cmdline "$GK_CMDLINE"
	gk_source_fragments
}
