# shellcheck shell=sh
# iSCSI root (feature "iscsi", src/features/iscsi.ts, --iscsi): with iscsi_target= on the
# command line, bring the network up (ip=, gk.net.*; see the init's net.sh), log in to the
# target with open-iscsi's iscsistart, and let the root be found on the disk it attaches
# (root=/dev/sdX, UUID=, LABEL=, ...). Runs at pre_root before any unlock or volume
# activation, so a LUKS container or an LVM volume group may live on the iSCSI disk.
#
#   iscsi_initiatorname=IQN   this machine's initiator name (required)
#   iscsi_target=IQN          the target's name (required)
#   iscsi_address=ADDR        the target portal's address (required)
#   iscsi_port=N              its TCP port (default 3260)
#   iscsi_tgpt=N              the target portal group tag (default 1)
#   iscsi_username= / iscsi_password=        CHAP: the initiator's credentials
#   iscsi_username_in= / iscsi_password_in=  mutual CHAP: the target's credentials
#   iscsi_debug=N             iscsistart's debug level
#
# The network stays up after switch_root (the root disk is reached over it). A login that
# fails (the target refuses it, nobody answers) is one line, then the rescue path; the login
# is bounded by ISCSI_LOGIN_TIMEOUT seconds (rootdelay= raises it).
# From 15-iscsi.conf: ISCSI_MODULES (loaded before the login), ISCSI_LOG (iscsistart's output),
# NET_UDHCPC_SCRIPT.

ISCSI_LOGIN_TIMEOUT=30

iscsi_wanted() {
	gk_cmdline_get iscsi_target >/dev/null
}

iscsi_modules() {
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules iscsi $ISCSI_MODULES
}

# iscsistart's arguments from the command line, as "$@"; fails naming what is missing.
iscsi_login() {
	il_name=$(gk_cmdline_get iscsi_initiatorname) || il_name=
	il_target=$(gk_cmdline_get iscsi_target) || il_target=
	il_addr=$(gk_cmdline_get iscsi_address) || il_addr=
	il_port=$(gk_cmdline_get iscsi_port) || il_port=3260
	il_tgpt=$(gk_cmdline_get iscsi_tgpt) || il_tgpt=1
	il_missing=
	[ -n "$il_name" ] || il_missing="$il_missing iscsi_initiatorname="
	[ -n "$il_target" ] || il_missing="$il_missing iscsi_target="
	[ -n "$il_addr" ] || il_missing="$il_missing iscsi_address="
	if [ -n "$il_missing" ]; then
		gk_warn "iscsi: the command line lacks$il_missing"
		return 1
	fi
	for il_n in "iscsi_port=$il_port" "iscsi_tgpt=$il_tgpt"; do
		gk_is_int "${il_n#*=}" || {
			gk_warn "iscsi: '$il_n' is not a number"
			return 1
		}
	done
	set -- -i "$il_name" -t "$il_target" -g "$il_tgpt" -a "$il_addr" -p "$il_port"
	for il_pair in u:iscsi_username w:iscsi_password U:iscsi_username_in W:iscsi_password_in d:iscsi_debug; do
		il_v=$(gk_cmdline_get "${il_pair#*:}") && set -- "$@" "-${il_pair%%:*}" "$il_v"
	done
	il_timeout=$(gk_device_timeout "$ISCSI_LOGIN_TIMEOUT")
	gk_info "iscsi: logging in to $il_target at $il_addr:$il_port as $il_name (up to $il_timeout s)"
	# busybox timeout bounds a portal that takes the connection and never answers.
	if gk_have timeout; then
		set -- timeout "$il_timeout" iscsistart "$@"
	else
		set -- iscsistart "$@"
	fi
	# Into a file, not $(...): iscsistart leaves a process behind for the session, which would
	# hold a command substitution's pipe open.
	if ! "$@" >"$ISCSI_LOG" 2>&1; then
		gk_warn "iscsi: the login to $il_target at $il_addr:$il_port failed: $(grep -v '^$' "$ISCSI_LOG" | tail -n 2 | tr '\n' ' ')"
		gk_warn "iscsi: check iscsi_address=, iscsi_port=, iscsi_target= and the CHAP credentials (iscsi_username=, iscsi_password=)"
		return 1
	fi
	gk_info "iscsi: logged in to $il_target; $GK_NET_IFACE stays configured after switch_root (the root is reached over it)"
	return 0
}

iscsi_start() {
	# The session outlives the initramfs: the network must not be deconfigured at post_mount.
	# shellcheck disable=SC2034 # read by the init's net.sh
	GK_NET_KEEP=1
	if ! gk_net_start "$NET_UDHCPC_SCRIPT"; then
		gk_warn "iscsi: the network is not up, so the iSCSI root cannot be reached"
		return 1
	fi
	iscsi_login
}

if iscsi_wanted; then
	gk_hooks_modules="$gk_hooks_modules iscsi_modules"
	gk_hooks_pre_root="$gk_hooks_pre_root iscsi_start"
fi
