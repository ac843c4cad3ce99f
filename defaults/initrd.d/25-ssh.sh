# shellcheck shell=sh
# SSH in the initramfs (feature "ssh", src/features/ssh.ts): with dosshd on the kernel
# command line, bring the network up from ip= and start dropbear, so that a remote user
# can log in with a key from the image's /root/.ssh/authorized_keys and unlock the root.
#
#   ip=dhcp | ip=<client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>
#       (the kernel's nfsroot syntax; autoconf dhcp/on/any means DHCP on <device>)
#       no ip= at all means DHCP on the first interface that appears
#   gk.sshd.port=N     listen on N instead of 22
#   gk.sshd.wait=N     pause N seconds before looking for the root, so that a remote
#                      user can log in even without LUKS ("resume-boot" ends it early)
#
# LUKS interface (with 30-luks.sh, which stays unchanged): when crypt_root= needs a
# passphrase, the pre_root hook below runs first. It finds the device (luks_wait when the
# luks fragment defines it), writes /run/gk-unlock/{device,name,options} for gk-unlock,
# prompts on the console in the background, and returns once /dev/mapper/$LUKS_NAME
# exists, whoever opened it; luks_unlock then finds it open and carries on.
# At post_mount dropbear is stopped and the interface deconfigured, so the real system's
# network setup starts from a clean interface.

SSH_RUN=/run/gk-unlock
SSH_STARTED=0
SSH_IFACE=

ssh_wanted() {
	gk_cmdline_has dosshd
}

# Netmask (255.255.255.0) or prefix length (24) -> prefix length.
ssh_prefix() {
	case "$1" in
	'') echo 24 ;;
	*.*.*.*)
		sp_bits=0
		for sp_o in $(echo "$1" | tr '.' ' '); do
			case "$sp_o" in
			255) sp_bits=$((sp_bits + 8)) ;;
			254) sp_bits=$((sp_bits + 7)) ;;
			252) sp_bits=$((sp_bits + 6)) ;;
			248) sp_bits=$((sp_bits + 5)) ;;
			240) sp_bits=$((sp_bits + 4)) ;;
			224) sp_bits=$((sp_bits + 3)) ;;
			192) sp_bits=$((sp_bits + 2)) ;;
			128) sp_bits=$((sp_bits + 1)) ;;
			esac
		done
		echo "$sp_bits"
		;;
	*) echo "$1" ;;
	esac
}

# The first interface other than lo, waiting (bounded) for its driver to create it.
ssh_first_iface() {
	sf_deadline=$(($(gk_uptime) + 10))
	while :; do
		for sf_i in /sys/class/net/*; do
			sf_n=${sf_i##*/}
			[ "$sf_n" = lo ] || [ ! -e "$sf_i" ] || {
				echo "$sf_n"
				return 0
			}
		done
		[ "$(gk_uptime)" -ge "$sf_deadline" ] && return 1
		gk_nap
	done
}

ssh_wait_iface() {
	sw_deadline=$(($(gk_uptime) + 10))
	until [ -e "/sys/class/net/$1" ]; do
		[ "$(gk_uptime)" -ge "$sw_deadline" ] && return 1
		gk_nap
	done
}

ssh_dhcp() {
	gk_info "ssh: asking for a DHCP lease on $1"
	ip link set dev "$1" up
	udhcpc -i "$1" -s /etc/gk-udhcpc.script -q -n -t 5 -T 2 >/dev/null 2>&1
}

# Parse ip= and configure the interface. Sets SSH_IFACE.
ssh_network() {
	sn_ip=$(gk_cmdline_get ip) || sn_ip=dhcp
	ip link set dev lo up 2>/dev/null
	case "$sn_ip" in
	off | none)
		gk_info "ssh: ip=$sn_ip: no network"
		return 1
		;;
	dhcp | on | any | both | '')
		SSH_IFACE=$(ssh_first_iface) || {
			gk_warn "ssh: no network interface appeared (is its driver in the image?)"
			return 1
		}
		ssh_dhcp "$SSH_IFACE"
		return
		;;
	esac
	# <client>:<server>:<gw>:<netmask>:<hostname>:<device>:<autoconf>:...
	sn_old_ifs=$IFS
	IFS=:
	# shellcheck disable=SC2086 # splitting on ':' is the point
	set -- $sn_ip
	IFS=$sn_old_ifs
	sn_client=$1 sn_gw=$3 sn_mask=$4 sn_host=$5 sn_dev=$6 sn_auto=$7
	if [ -n "$sn_dev" ]; then
		ssh_wait_iface "$sn_dev" || {
			gk_warn "ssh: interface $sn_dev from ip= did not appear"
			return 1
		}
		SSH_IFACE=$sn_dev
	else
		SSH_IFACE=$(ssh_first_iface) || {
			gk_warn "ssh: no network interface appeared (is its driver in the image?)"
			return 1
		}
	fi
	[ -n "$sn_host" ] && hostname "$sn_host"
	case "$sn_auto" in
	dhcp | on | any | both) ssh_dhcp "$SSH_IFACE" && return 0 ;;
	esac
	if [ -z "$sn_client" ]; then
		ssh_dhcp "$SSH_IFACE"
		return
	fi
	gk_info "ssh: $SSH_IFACE is $sn_client/$(ssh_prefix "$sn_mask")${sn_gw:+ via $sn_gw}"
	ip link set dev "$SSH_IFACE" up &&
		ip addr add "$sn_client/$(ssh_prefix "$sn_mask")" dev "$SSH_IFACE" || return 1
	[ -z "$sn_gw" ] || ip route add default via "$sn_gw" dev "$SSH_IFACE" 2>/dev/null
	return 0
}

ssh_start() {
	ssh_wanted || return 0
	if ! ssh_network; then
		gk_warn "ssh: the network is not up, so dropbear is not started"
		return 0
	fi
	mkdir -p /dev/pts "$SSH_RUN"
	grep -q devpts /proc/mounts || mount -t devpts -o gid=5,mode=620 devpts /dev/pts
	ss_port=$(gk_cmdline_get gk.sshd.port) || ss_port=22
	gk_is_int "$ss_port" || ss_port=22
	ss_keys=
	for ss_k in /etc/dropbear/dropbear_*_host_key; do
		[ -r "$ss_k" ] && ss_keys="$ss_keys -r $ss_k"
	done
	# No keys in the image (SSH_HOST_KEYS=runtime): -R makes them on the first connection.
	[ -n "$ss_keys" ] || ss_keys=-R
	# -s: keys only; -j -k: no port forwarding; -b: say what to do after login.
	# shellcheck disable=SC2086 # ss_keys is a word list
	if dropbear -s -j -k -p "$ss_port" -P "$SSH_RUN/dropbear.pid" -b /etc/gk-ssh-banner $ss_keys 2>>"$SSH_RUN/dropbear.log"; then
		SSH_STARTED=1
		gk_info "ssh: dropbear listens on port $ss_port ($(ip -4 -o addr show dev "$SSH_IFACE" 2>/dev/null | sed -n 's/.* inet \([^ ]*\).*/\1/p'))"
	else
		gk_warn "ssh: dropbear did not start: $(tail -n 3 "$SSH_RUN/dropbear.log" 2>/dev/null)"
	fi
	return 0
}

# gk.sshd.wait=N: time for a remote login before the root is looked for.
ssh_pause() {
	[ "$SSH_STARTED" = 1 ] || return 0
	sp_wait=$(gk_cmdline_get gk.sshd.wait) || return 0
	gk_is_int "$sp_wait" || return 0
	gk_info "ssh: waiting $sp_wait s for remote logins (resume-boot continues at once)"
	sp_deadline=$(($(gk_uptime) + sp_wait))
	while [ "$(gk_uptime)" -lt "$sp_deadline" ] && [ ! -e "$SSH_RUN/resume" ]; do
		gk_nap
	done
	return 0
}

# Console side of the passphrase, run in the background; exits when it opened the device.
ssh_console_unlock() {
	sc_try=0
	while [ "$sc_try" -lt 3 ]; do
		sc_try=$((sc_try + 1))
		printf 'Enter passphrase for %s (or log in over SSH and run gk-unlock): ' "$1" >/dev/console
		stty -echo </dev/console 2>/dev/null
		sc_pass=
		read -r sc_pass </dev/console || exit 1
		stty echo </dev/console 2>/dev/null
		echo >/dev/console
		# shellcheck disable=SC2086 # options are words or nothing
		printf '%s' "$sc_pass" | cryptsetup open --type luks $3 --key-file=- "$1" "$2" && exit 0
		sc_pass=
		[ -b "/dev/mapper/$2" ] && exit 0
		echo "!! could not open $1 with that passphrase (attempt $sc_try of 3)" >/dev/console
	done
	exit 1
}

ssh_luks_wait() {
	[ "$SSH_STARTED" = 1 ] || return 0
	sl_spec=$(gk_cmdline_get crypt_root) || return 0
	gk_cmdline_get root_key >/dev/null && return 0
	sl_name=${LUKS_NAME:-root}
	[ -b "/dev/mapper/$sl_name" ] && return 0
	gk_have cryptsetup || return 0
	if command -v luks_wait >/dev/null 2>&1; then
		sl_dev=$(luks_wait crypt_root= "$sl_spec") || return 0
	else
		sl_dev=$(gk_resolve_root "$sl_spec") || return 0
	fi
	# Not LUKS: leave the message to the luks hook.
	cryptsetup isLuks "$sl_dev" || return 0
	sl_opts=
	[ "$(gk_cmdline_get root_trim)" = yes ] && sl_opts=--allow-discards
	mkdir -p "$SSH_RUN"
	echo "$sl_dev" >"$SSH_RUN/device"
	echo "$sl_name" >"$SSH_RUN/name"
	echo "$sl_opts" >"$SSH_RUN/options"
	gk_info "ssh: $sl_dev ($sl_spec) waits for its passphrase: type it here, or log in over SSH and run gk-unlock"
	ssh_console_unlock "$sl_dev" "$sl_name" "$sl_opts" &
	sl_pid=$!
	until [ -b "/dev/mapper/$sl_name" ]; do
		sleep 1
	done
	kill "$sl_pid" 2>/dev/null
	stty echo </dev/console 2>/dev/null
	rm -f "$SSH_RUN/device"
	gk_info "ssh: $sl_dev is unlocked"
	return 0
}

ssh_stop() {
	[ "$SSH_STARTED" = 1 ] || return 0
	[ -r "$SSH_RUN/dropbear.pid" ] && kill "$(cat "$SSH_RUN/dropbear.pid")" 2>/dev/null
	# Sessions still open would keep the initramfs alive under the real system.
	killall dropbear 2>/dev/null
	if [ -n "$SSH_IFACE" ]; then
		ip addr flush dev "$SSH_IFACE" 2>/dev/null
		ip link set dev "$SSH_IFACE" down 2>/dev/null
	fi
	SSH_STARTED=0
	gk_info "ssh: dropbear stopped, $SSH_IFACE deconfigured"
	return 0
}

if ssh_wanted; then
	gk_hooks_modules="$gk_hooks_modules ssh_start"
	gk_hooks_pre_root="$gk_hooks_pre_root ssh_pause ssh_luks_wait"
	gk_hooks_post_mount="$gk_hooks_post_mount ssh_stop"
fi
