# shellcheck shell=sh
# SSH in the initramfs (feature "ssh", src/features/ssh.ts): with dosshd on the kernel
# command line, bring the network up (ip= and gk.net.*, see the init's net.sh; no ip= means
# DHCP) and start dropbear, so that a remote user can log in with a key from the image's
# /root/.ssh/authorized_keys and unlock the root. A network that does not come up (an ip=
# the init cannot read, no interface, no lease) is said on the console; the boot goes on
# without dropbear.
#
#   gk.sshd.port=N     listen on N instead of 22
#   gk.sshd.wait=N     pause N seconds before looking for the root, so that a remote
#                      user can log in even without LUKS ("resume-boot" ends it early)
#
# From 25-ssh.conf: SSH_RUN (state shared with gk-unlock and resume-boot), NET_UDHCPC_SCRIPT,
# SSH_BANNER, SSH_HOST_KEY_FILES.
#
# LUKS: once dropbear runs, ssh_unlock is registered as an unlock method of the luks
# fragment (gk_unlock_methods). It prompts on the console in the background and lets gk-unlock
# (defaults/ssh/gk-unlock, run in an SSH session) open the same device, whichever comes first;
# both go through the luks fragment's luks_open_typed. Nobody within SSH_UNLOCK_TIMEOUT
# seconds: the console prompt of the luks fragment takes over.
# At post_mount dropbear is stopped and the interface deconfigured, so the real system's
# network setup starts from a clean interface.

SSH_STARTED=0
SSH_UNLOCK_TIMEOUT=3600

ssh_wanted() {
	gk_cmdline_has dosshd
}

ssh_start() {
	ssh_wanted || return 0
	if ! gk_net_start "$NET_UDHCPC_SCRIPT"; then
		gk_warn "ssh: the network is not up, so dropbear is not started"
		return 0
	fi
	mkdir -p /dev/pts "$SSH_RUN"
	grep -q devpts /proc/mounts || mount -t devpts -o gid=5,mode=620 devpts /dev/pts
	ss_port=$(gk_cmdline_get gk.sshd.port) || ss_port=22
	gk_is_int "$ss_port" || {
		gk_warn "'gk.sshd.port=$ss_port' is not a port number -- using 22"
		ss_port=22
	}
	ss_keys=
	for ss_k in $SSH_HOST_KEY_FILES; do
		[ -r "$ss_k" ] && ss_keys="$ss_keys -r $ss_k"
	done
	# No keys in the image (SSH_HOST_KEYS=runtime): -R makes them on the first connection.
	[ -n "$ss_keys" ] || ss_keys=-R
	# -s: keys only; -j -k: no port forwarding; -b: say what to do after login.
	# shellcheck disable=SC2086 # ss_keys is a word list
	if dropbear -s -j -k -p "$ss_port" -P "$SSH_RUN/dropbear.pid" -b "$SSH_BANNER" $ss_keys 2>>"$SSH_RUN/dropbear.log"; then
		SSH_STARTED=1
		gk_unlock_methods="$gk_unlock_methods ssh_unlock"
		gk_info "ssh: dropbear listens on port $ss_port ($(gk_net_addr_of "$GK_NET_IFACE"))"
	else
		gk_warn "ssh: dropbear did not start: $(tail -n 3 "$SSH_RUN/dropbear.log" 2>/dev/null)"
	fi
	return 0
}

ssh_resumed() {
	[ -e "$SSH_RUN/resume" ]
}

# gk.sshd.wait=N: time for a remote login before the root is looked for.
ssh_pause() {
	[ "$SSH_STARTED" = 1 ] || return 0
	sp_wait=$(gk_cmdline_get gk.sshd.wait) || return 0
	gk_is_int "$sp_wait" || {
		gk_warn "'gk.sshd.wait=$sp_wait' is not a number of seconds -- no pause"
		return 0
	}
	gk_info "ssh: waiting $sp_wait s for remote logins (resume-boot continues at once)"
	gk_poll -q "$sp_wait" "remote logins" : ssh_resumed
	return 0
}

# resume-boot, in an SSH session: end the gk.sshd.wait= pause.
ssh_resume_boot() {
	mkdir -p "$SSH_RUN" && : >"$SSH_RUN/resume" && echo "resume-boot: the boot continues"
}

# Unlock method (see 30-luks.sh): the passphrase comes from the console or from gk-unlock
# over SSH, whichever is first. The console side runs in the background.
ssh_unlock() {
	[ "$SSH_STARTED" = 1 ] || return 1
	mkdir -p "$SSH_RUN"
	echo "$LUKS_DEV" >"$SSH_RUN/device"
	# Which container (root or swap) and its detached header, for gk-unlock's own luks_settings.
	printf '%s\n%s\n' "$LUKS_TARGET" "$LUKS_HEADER_FILE" >"$SSH_RUN/target"
	gk_info "ssh: $LUKS_DEV ($LUKS_SPEC) waits for its passphrase: type it here, or log in over SSH and run gk-unlock"
	luks_open_typed "$LUKS_TRIES" "or log in over SSH and run gk-unlock" </dev/console 2>/dev/console &
	su_pid=$!
	su_rc=0
	gk_poll -q "$SSH_UNLOCK_TIMEOUT" "the passphrase of $LUKS_DEV" : luks_is_open || su_rc=1
	kill "$su_pid" 2>/dev/null
	stty echo </dev/console 2>/dev/null
	rm -f "$SSH_RUN/device" "$SSH_RUN/target"
	if [ "$su_rc" != 0 ]; then
		gk_warn "ssh: $LUKS_DEV was not unlocked within $SSH_UNLOCK_TIMEOUT s"
		return 1
	fi
	gk_info "ssh: $LUKS_DEV is unlocked"
	return 0
}

# gk-unlock, in an SSH session: open the device ssh_unlock waits for, with a passphrase from
# the terminal (echo off) or, without one, one line from standard input.
ssh_remote_unlock() {
	if [ ! -r "$SSH_RUN/device" ]; then
		echo "gk-unlock: the initramfs is not waiting for a LUKS passphrase" >&2
		return 1
	fi
	read -r LUKS_DEV <"$SSH_RUN/device"
	sru_target=
	sru_header=
	[ -r "$SSH_RUN/target" ] && { read -r sru_target && read -r sru_header; } <"$SSH_RUN/target"
	luks_settings "${sru_target:-root}"
	LUKS_HEADER_FILE=${sru_header:-}
	if luks_is_open; then
		echo "gk-unlock: $LUKS_DEV is already open as /dev/mapper/$LUKS_NAME"
		return 0
	fi
	sru_tries=1
	[ -t 0 ] && sru_tries=$LUKS_TRIES
	luks_open_typed "$sru_tries" || return 1
	echo "gk-unlock: $LUKS_DEV is open as /dev/mapper/$LUKS_NAME; the boot continues"
}

ssh_stop() {
	[ "$SSH_STARTED" = 1 ] || return 0
	[ -r "$SSH_RUN/dropbear.pid" ] && kill "$(cat "$SSH_RUN/dropbear.pid")" 2>/dev/null
	# Sessions still open would keep the initramfs alive under the real system.
	killall dropbear 2>/dev/null
	SSH_STARTED=0
	gk_info "ssh: dropbear stopped"
	gk_net_stop
	return 0
}

if ssh_wanted; then
	gk_hooks_modules="$gk_hooks_modules ssh_start"
	gk_hooks_pre_root="$gk_hooks_pre_root ssh_pause"
	gk_hooks_post_mount="$gk_hooks_post_mount ssh_stop"
fi
