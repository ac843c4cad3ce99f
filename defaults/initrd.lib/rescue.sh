# shellcheck shell=sh
# When the boot cannot go on: say what failed and what was tried, then act on gk.emergency=
# or open a rescue shell.

# Returns when the rescue shell exits, so the caller can retry.
gk_fail() {
	echo >&2
	gk_warn "BOOT FAILED: $1"
	gk_warn "  tried: $2"
	gk_warn "  kernel command line: $GK_CMDLINE"
	gk_warn "  modules loaded: $(gk_loaded_modules)"
	gk_warn "  block devices:"
	gk_describe_block_devices
	gkf_action=$GK_EMERGENCY
	if [ -z "$gkf_action" ] && gk_interaction_disabled; then
		# As genkernel: no shell for nobody; a reboot after gk.prompt.timeout (10 s when unset).
		gkf_wait=$(gk_prompt_timeout)
		[ "$gkf_wait" -gt 0 ] || gkf_wait=10
		gk_warn "gk.userinteraction.disabled: no rescue shell; rebooting in $gkf_wait s (gk.emergency= names another action)"
		sleep "$gkf_wait"
		gkf_action=reboot
	fi
	case "$gkf_action" in
	reboot | poweroff | halt)
		gk_warn "gk.emergency=$gkf_action: doing it now"
		sync
		"$gkf_action" -f
		# Not reached unless the call failed; do not fall through into a retry loop.
		while :; do sleep 60; done
		;;
	esac
	gk_rescue_shell
	return 1
}

# Boot parameters written here from the rescue shell apply to the retry, as genkernel's prompt
# for another root device does (the shell is a child: it cannot set the init's variables).
GK_RESCUE_CMDLINE=/run/gk-cmdline

gk_rescue_shell() {
	gk_warn "opening a rescue shell; fix the problem, then 'exit' to retry"
	gk_warn "  to retry with other boot parameters: echo 'root=/dev/sdb2' >> $GK_RESCUE_CMDLINE"
	if gk_have setsid && gk_have cttyhack; then
		setsid cttyhack sh
	else
		sh
	fi
	if [ -s "$GK_RESCUE_CMDLINE" ]; then
		gkrs_words=$(cat "$GK_RESCUE_CMDLINE")
		rm -f "$GK_RESCUE_CMDLINE"
		gk_info "retrying with the parameters given in the rescue shell: $gkrs_words"
		gk_parse_cmdline "$gkrs_words"
	fi
	# A shell on a console without input (stdin at EOF) would return at once: do not spin.
	sleep 1
}
