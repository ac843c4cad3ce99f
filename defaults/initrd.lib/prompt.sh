# shellcheck shell=sh
# Questions to the person at the console (a passphrase, a keymap), all through gk_prompt_read:
#   gk.prompt.timeout=N            a prompt waits at most N seconds (0, the default: no bound,
#                                  as in genkernel; the answer then may never come)
#   gk.userinteraction.disabled=1  no prompts at all (also yes, true, on): whatever would ask
#                                  fails at once, saying so; a failed boot opens no rescue shell
#                                  but does gk.emergency=, or reboots (see gk_fail in rescue.sh)

# genkernel's truth values.
gk_is_true() {
	case "$1" in
	1 | y | Y | yes | YES | Yes | true | TRUE | True | t | on | ON | On) return 0 ;;
	esac
	return 1
}

gk_interaction_disabled() {
	gkid_v=$(gk_cmdline_get gk.userinteraction.disabled) && gk_is_true "$gkid_v"
}

# Seconds a prompt waits (0 = no bound); a value that is no number is said once and ignored.
gk_prompt_timeout() {
	gkpt_v=$(gk_cmdline_get gk.prompt.timeout) || { echo 0; return 0; }
	if gk_is_int "$gkpt_v"; then
		echo "$gkpt_v"
	else
		gk_warn "'gk.prompt.timeout=$gkpt_v' is not a number of seconds -- prompts wait without a bound"
		echo 0
	fi
}

# gk_prompt_read [-s] PROMPT: one line from stdin into GK_ANSWER, PROMPT shown on stderr; -s
# for a secret (echo off on a terminal). Returns 0 answered, 1 end of input, 2 nobody answered
# within gk.prompt.timeout, 3 prompts are off (gk.userinteraction.disabled). 1-3 say so.
gk_prompt_read() {
	gkpr_secret=0
	[ "$1" = -s ] && { gkpr_secret=1; shift; }
	GK_ANSWER=
	if gk_interaction_disabled; then
		gk_warn "gk.userinteraction.disabled: not asking '$1'"
		return 3
	fi
	gkpr_t=$(gk_prompt_timeout)
	[ "$gkpr_secret" = 1 ] && [ -t 0 ] && stty -echo 2>/dev/null
	printf '%s' "$1" >&2
	gkpr_rc=0
	if [ "$gkpr_t" -gt 0 ]; then
		# read -t: busybox ash (the init's shell) has it; a timeout or EOF both return > 0.
		gkpr_start=$(gk_uptime)
		# shellcheck disable=SC3045 # busybox ash's read -t
		read -r -t "$gkpr_t" GK_ANSWER || {
			[ -n "$GK_ANSWER" ] || gkpr_rc=1
			[ "$gkpr_rc" = 1 ] && [ $(($(gk_uptime) - gkpr_start)) -ge "$gkpr_t" ] && gkpr_rc=2
		}
	else
		read -r GK_ANSWER || [ -n "$GK_ANSWER" ] || gkpr_rc=1
	fi
	[ "$gkpr_secret" = 1 ] && [ -t 0 ] && stty echo 2>/dev/null
	echo >&2
	[ "$gkpr_rc" = 2 ] && gk_warn "no answer within $gkpr_t s (gk.prompt.timeout)"
	return "$gkpr_rc"
}
