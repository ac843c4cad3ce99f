# shellcheck shell=sh
# The network, for the features that need one before the root (SSH, iSCSI): ip= and the
# gk.net.* family with genkernel's meanings. Nothing here runs unless a feature calls
# gk_net_start with the udhcpc event script its conf names.
#
#   ip=dhcp (also on, any, both; no ip= at all)   DHCP with busybox udhcpc
#   ip=ADDR/CIDR                                   a static address, e.g. 10.0.2.15/24
#   ip=client:server:gw:netmask:hostname:device:autoconf   the kernel's form; netmask
#       dotted or a prefix length; autoconf dhcp asks DHCP, off/none a static address, and
#       on/any/both/empty a static address when client is given, else DHCP
#   ip=off | none                                  no network
#   gk.net.iface=NAME|MAC    the interface (default: the device of ip=, else the first one)
#   gk.net.gw=ADDR           default route for a static address (ignored with DHCP)
#   gk.net.routes=R[,R...]   more routes for a static address: DEST or DEST:GW
#   gk.net.dhcp.retries=N    DHCP discover requests (default 3)
#   gk.net.timeout.dhcp=N    seconds per DHCP request (default 10)
#   gk.net.timeout.interface=N   seconds to wait for the interface (default 10)
#   gk.net.timeout.dad=N     seconds to wait for IPv6 DAD before deconfiguring (default 10)
#   gk.net.timeout.deconfiguration=N   seconds to wait for the interface to go down (default 10)

GK_NET_UP=0
# Where the kernel lists interfaces (the init's tests point it elsewhere).
GK_SYS_NET=/sys/class/net
GK_NET_IFACE=
# Set by a feature whose root needs the network after switch_root (an iSCSI root).
GK_NET_KEEP=0

# An integer gk.net.* value, or the default $2 (with a warning when the value is not a number).
gk_net_int() {
	gkni_v=$(gk_cmdline_get "$1") || { echo "$2"; return 0; }
	if gk_is_int "$gkni_v"; then
		echo "$gkni_v"
	else
		gk_warn "'$1=$gkni_v' is not a number -- using the default $2"
		echo "$2"
	fi
}

gk_net_settings() {
	GK_NET_DHCP_RETRIES=$(gk_net_int gk.net.dhcp.retries 3)
	GK_NET_TIMEOUT_DHCP=$(gk_net_int gk.net.timeout.dhcp 10)
	GK_NET_TIMEOUT_INTERFACE=$(gk_net_int gk.net.timeout.interface 10)
	GK_NET_TIMEOUT_DAD=$(gk_net_int gk.net.timeout.dad 10)
	GK_NET_TIMEOUT_DECONFIG=$(gk_net_int gk.net.timeout.deconfiguration 10)
	GK_NET_WANT_IFACE=$(gk_cmdline_get gk.net.iface) || GK_NET_WANT_IFACE=
	GK_NET_GW_ARG=$(gk_cmdline_get gk.net.gw) || GK_NET_GW_ARG=
	GK_NET_ROUTES=$(gk_cmdline_get gk.net.routes) || GK_NET_ROUTES=
}

# Is $1 a dotted IPv4 address?
gk_net_is_ipv4() {
	gkn4_old=$IFS
	IFS=.
	set -f
	# shellcheck disable=SC2086 # split on dots (globbing off)
	set -- $1
	set +f
	IFS=$gkn4_old
	[ "$#" = 4 ] || return 1
	for gkn4_o in "$@"; do
		gk_is_int "$gkn4_o" && [ "$gkn4_o" -le 255 ] || return 1
	done
	return 0
}

# Netmask (255.255.255.0) or prefix length (24) -> prefix length; fails on anything else.
gk_net_prefix() {
	case "$1" in
	*.*)
		gk_net_is_ipv4 "$1" || return 1
		gknp_bits=0
		gknp_end=0
		for gknp_o in $(echo "$1" | tr '.' ' '); do
			case "$gknp_o" in
			255) gknp_n=8 ;; 254) gknp_n=7 ;; 252) gknp_n=6 ;; 248) gknp_n=5 ;;
			240) gknp_n=4 ;; 224) gknp_n=3 ;; 192) gknp_n=2 ;; 128) gknp_n=1 ;; 0) gknp_n=0 ;;
			*) return 1 ;;
			esac
			# After a partial octet only zeros may follow (255.0.255.0 is no netmask).
			[ "$gknp_end" = 1 ] && [ "$gknp_n" != 0 ] && return 1
			[ "$gknp_n" -lt 8 ] && gknp_end=1
			gknp_bits=$((gknp_bits + gknp_n))
		done
		echo "$gknp_bits"
		;;
	*)
		gk_is_int "$1" && [ "$1" -le 32 ] || return 1
		echo "$1"
		;;
	esac
}

# The kernel's default prefix for an address given without a netmask: its old class.
gk_net_class_prefix() {
	gkncp_first=${1%%.*}
	if [ "$gkncp_first" -lt 128 ]; then
		echo 8
	elif [ "$gkncp_first" -lt 192 ]; then
		echo 16
	else
		echo 24
	fi
}

# Read ip= ($1) into GK_NET_MODE (dhcp, static, off), GK_NET_ADDR (ADDR/PREFIX), GK_NET_GW,
# GK_NET_HOST and GK_NET_DEV. A value it cannot read: one line saying why, return 1.
gk_net_parse_ip() {
	GK_NET_MODE=dhcp GK_NET_ADDR='' GK_NET_GW='' GK_NET_HOST='' GK_NET_DEV=''
	gknpi_bad="ip=$1 is not a form this init understands (dhcp, ADDR/CIDR, client:server:gw:netmask:hostname:device:autoconf, off)"
	case "$1" in
	'' | dhcp | on | any | both) return 0 ;;
	off | none)
		GK_NET_MODE=off
		return 0
		;;
	*:*) ;;
	*/*)
		if ! gk_net_is_ipv4 "${1%/*}" || ! gknpi_p=$(gk_net_prefix "${1#*/}"); then
			gk_warn "$gknpi_bad"
			return 1
		fi
		GK_NET_MODE=static GK_NET_ADDR=${1%/*}/$gknpi_p
		return 0
		;;
	*)
		# A bare address: the kernel's form with the client field only.
		gk_net_is_ipv4 "$1" || {
			gk_warn "$gknpi_bad"
			return 1
		}
		GK_NET_MODE=static GK_NET_ADDR=$1/$(gk_net_class_prefix "$1")
		return 0
		;;
	esac
	gknpi_old=$IFS
	IFS=:
	set -f
	# shellcheck disable=SC2086 # split on ':' (globbing off)
	set -- $1
	set +f
	IFS=$gknpi_old
	gknpi_client=$1 gknpi_gw=$3 gknpi_mask=$4 GK_NET_HOST=$5 GK_NET_DEV=$6 gknpi_auto=$7
	if [ -n "$gknpi_client" ] && ! gk_net_is_ipv4 "$gknpi_client"; then
		gk_warn "$gknpi_bad: client '$gknpi_client' is not an IPv4 address"
		return 1
	fi
	if [ -n "$gknpi_gw" ] && ! gk_net_is_ipv4 "$gknpi_gw"; then
		gk_warn "$gknpi_bad: gateway '$gknpi_gw' is not an IPv4 address"
		return 1
	fi
	case "$gknpi_auto" in
	dhcp) GK_NET_MODE=dhcp ;;
	off | none | static) GK_NET_MODE=static ;;
	'' | on | any | both) [ -n "$gknpi_client" ] && GK_NET_MODE=static ;;
	*)
		gk_warn "$gknpi_bad: autoconf '$gknpi_auto' is none of dhcp, on, any, both, off, none"
		return 1
		;;
	esac
	if [ "$GK_NET_MODE" = static ]; then
		if [ -z "$gknpi_client" ]; then
			gk_warn "$gknpi_bad: autoconf '$gknpi_auto' needs a client address"
			return 1
		fi
		if [ -n "$gknpi_mask" ]; then
			gknpi_p=$(gk_net_prefix "$gknpi_mask") || {
				gk_warn "$gknpi_bad: netmask '$gknpi_mask' is neither a dotted mask nor a prefix length"
				return 1
			}
		else
			gknpi_p=$(gk_net_class_prefix "$gknpi_client")
		fi
		GK_NET_ADDR=$gknpi_client/$gknpi_p
		GK_NET_GW=$gknpi_gw
	fi
	return 0
}

# gk.net.iface= may name a MAC address (00:11:22:33:44:55 or with dashes): its interface.
gk_net_iface_by_mac() {
	gknm_mac=$(echo "$1" | tr 'ABCDEF-' 'abcdef:')
	for gknm_i in "$GK_SYS_NET"/*; do
		[ "$(cat "$gknm_i/address" 2>/dev/null)" = "$gknm_mac" ] && {
			echo "${gknm_i##*/}"
			return 0
		}
	done
	return 1
}

# gk_poll's check: the interface asked for (GK_NET_WANTED: a name, a MAC, or empty for the
# first one other than lo) exists; sets GK_NET_IFACE.
gk_net_iface_present() {
	case "$GK_NET_WANTED" in
	*:* | *-*)
		GK_NET_IFACE=$(gk_net_iface_by_mac "$GK_NET_WANTED")
		return
		;;
	'')
		for gknip_i in "$GK_SYS_NET"/*; do
			gknip_n=${gknip_i##*/}
			[ "$gknip_n" != lo ] && [ -e "$gknip_i" ] && {
				GK_NET_IFACE=$gknip_n
				return 0
			}
		done
		return 1
		;;
	esac
	[ -e "$GK_SYS_NET/$GK_NET_WANTED" ] && GK_NET_IFACE=$GK_NET_WANTED
}

gk_net_dhcp() {
	gk_info "net: asking for a DHCP lease on $GK_NET_IFACE ($GK_NET_DHCP_RETRIES requests, $GK_NET_TIMEOUT_DHCP s each)"
	ip link set dev "$GK_NET_IFACE" up
	if ! udhcpc -i "$GK_NET_IFACE" -s "$GK_NET_UDHCPC_SCRIPT" -q -n -t "$GK_NET_DHCP_RETRIES" -T "$GK_NET_TIMEOUT_DHCP" >/dev/null 2>&1; then
		gk_warn "net: no DHCP lease on $GK_NET_IFACE after $GK_NET_DHCP_RETRIES requests of $GK_NET_TIMEOUT_DHCP s"
		return 1
	fi
	gk_info "net: $GK_NET_IFACE is $(gk_net_addr_of "$GK_NET_IFACE") (DHCP)"
}

gk_net_addr_of() {
	ip -4 -o addr show dev "$1" 2>/dev/null | sed -n 's/.* inet \([^ ]*\).*/\1/p'
}

gk_net_static() {
	gkns_gw=${GK_NET_GW_ARG:-$GK_NET_GW}
	gk_info "net: $GK_NET_IFACE is $GK_NET_ADDR${gkns_gw:+ via $gkns_gw}"
	if ! { ip link set dev "$GK_NET_IFACE" up && ip addr add "$GK_NET_ADDR" dev "$GK_NET_IFACE"; }; then
		gk_warn "net: could not set $GK_NET_ADDR on $GK_NET_IFACE"
		return 1
	fi
	for gkns_r in $(echo "$GK_NET_ROUTES" | tr ',' ' '); do
		case "$gkns_r" in
		*:*) set -- "${gkns_r%%:*}" via "${gkns_r#*:}" ;;
		*) set -- "$gkns_r" ;;
		esac
		gk_info "net: route $* on $GK_NET_IFACE"
		ip route add "$@" dev "$GK_NET_IFACE" || gk_warn "net: could not add the route $* (gk.net.routes=)"
	done
	if [ -n "$gkns_gw" ]; then
		ip route add default via "$gkns_gw" dev "$GK_NET_IFACE" || gk_warn "net: could not add the default route via $gkns_gw"
	fi
	return 0
}

# gk_net_start UDHCPC_SCRIPT: bring the network up once (later calls return at once).
# 0: up; 1: not up, said why.
gk_net_start() {
	[ "$GK_NET_UP" = 1 ] && return 0
	GK_NET_UDHCPC_SCRIPT=$1
	gk_net_settings
	gkst_ip=$(gk_cmdline_get ip) || gkst_ip=dhcp
	gk_net_parse_ip "$gkst_ip" || return 1
	if [ "$GK_NET_MODE" = off ]; then
		gk_info "net: ip=$gkst_ip: no network"
		return 1
	fi
	ip link set dev lo up 2>/dev/null
	GK_NET_WANTED=${GK_NET_WANT_IFACE:-$GK_NET_DEV}
	if ! gk_poll "$GK_NET_TIMEOUT_INTERFACE" "network interface ${GK_NET_WANTED:-(the first one)}" : gk_net_iface_present; then
		gk_warn "net: network interface ${GK_NET_WANTED:-(any)} did not appear within $GK_NET_TIMEOUT_INTERFACE s (is its driver in the image?)"
		return 1
	fi
	[ -n "$GK_NET_HOST" ] && hostname "$GK_NET_HOST"
	if [ "$GK_NET_MODE" = dhcp ]; then
		gk_net_dhcp || return 1
	else
		gk_net_static || return 1
	fi
	GK_NET_UP=1
	return 0
}

gk_net_tentative() {
	ip -6 addr show dev "$GK_NET_IFACE" 2>/dev/null | grep -q tentative
}

gk_net_is_down() {
	ip addr flush dev "$GK_NET_IFACE" 2>/dev/null
	ip route flush dev "$GK_NET_IFACE" 2>/dev/null
	ip link set dev "$GK_NET_IFACE" down 2>/dev/null
	grep -q down "$GK_SYS_NET/$GK_NET_IFACE/operstate" 2>/dev/null
}

# Hand the real system a clean interface, unless its root needs the network (GK_NET_KEEP).
gk_net_stop() {
	[ "$GK_NET_UP" = 1 ] || return 0
	if [ "$GK_NET_KEEP" = 1 ]; then
		gk_info "net: $GK_NET_IFACE stays up: the root is reached over it"
		return 0
	fi
	# An interface brought down while IPv6 DAD runs comes back up on its own afterwards.
	gk_net_tentative && ! gk_poll -q "$GK_NET_TIMEOUT_DAD" "IPv6 DAD on $GK_NET_IFACE" : eval '! gk_net_tentative' &&
		gk_warn "net: IPv6 DAD on $GK_NET_IFACE still running after $GK_NET_TIMEOUT_DAD s"
	if gk_poll -q "$GK_NET_TIMEOUT_DECONFIG" "$GK_NET_IFACE to go down" : gk_net_is_down; then
		gk_info "net: $GK_NET_IFACE deconfigured"
	else
		gk_warn "net: $GK_NET_IFACE did not go down within $GK_NET_TIMEOUT_DECONFIG s"
	fi
	GK_NET_UP=0
	return 0
}
