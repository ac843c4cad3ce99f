# shellcheck shell=sh
# udev (feature "udev", src/features/udev.ts): the host's udevd runs in the initramfs from the
# init hook on, so drivers load through its kmod builtin, /dev/disk/by-* and /dev/mapper links
# exist, and the device-mapper devices LUKS and LVM create go through the dm rules with udev
# sync (libdevmapper cookies, /run/udev/control). Its database /run/udev moves into the real
# root with /run: the real system's udev reads the dm records back and treats those devices as
# properly activated. udevd is stopped at pre_switch, its database kept.
# gk.udev=no on the command line boots without it (drivers by modalias, dm without records).
# From 05-udev.conf: UDEV_DAEMON, UDEVADM, UDEV_CONTROL, UDEV_RUN_RULES, UDEV_DRIVER_RULES,
# UDEV_DB, UDEV_LOG, UDEV_SETTLE_TIMEOUT.

# Seconds to wait for udevd's control socket, and for udevd to exit at pre_switch.
UDEV_START_TIMEOUT=5
UDEV_EXIT_TIMEOUT=5
UDEV_PID=

udev_listening() {
	[ -S "$UDEV_CONTROL" ]
}

udev_gone() {
	! kill -0 "$UDEV_PID" 2>/dev/null
}

# Start udevd in the background (its own output into $UDEV_LOG), then coldplug: an "add" event
# for every subsystem and device already there. Drivers load as the events are processed.
udev_init() {
	case "$(gk_cmdline_get gk.udev)" in
	0 | no | off)
		gk_info "udev: off for this boot (gk.udev=no): loading drivers by modalias"
		return 0
		;;
	esac
	# udev's kmod builtin reads the noload= blacklist when it starts.
	[ "$GK_NOMODULES" = 1 ] || gk_write_noload_conf
	if [ "$GK_NOMODULES" = 1 ]; then
		# An empty rules file of the same name replaces the one that loads modules.
		mkdir -p "$UDEV_RUN_RULES"
		: >"$UDEV_RUN_RULES/$UDEV_DRIVER_RULES"
	fi
	gk_info "udev: starting $UDEV_DAEMON"
	"$UDEV_DAEMON" --resolve-names=never >>"$UDEV_LOG" 2>&1 &
	UDEV_PID=$!
	if ! gk_poll -q "$UDEV_START_TIMEOUT" "udevd's control socket $UDEV_CONTROL" : udev_listening; then
		gk_warn "udev: $UDEV_DAEMON did not start within $UDEV_START_TIMEOUT s: loading drivers by modalias ($(tail -n 3 "$UDEV_LOG" 2>/dev/null | tr '\n' ' '))"
		kill "$UDEV_PID" 2>/dev/null
		UDEV_PID=
		return 0
	fi
	# shellcheck disable=SC2034 # read by other fragments (40-lvm.sh) and by modules.sh
	GK_UDEV=1
	# shellcheck disable=SC2034
	gk_coldplug_handler=udev_scan
	"$UDEVADM" trigger --type=subsystems --action=add
	"$UDEVADM" trigger --type=devices --action=add
	return 0
}

# The coldplug handler (modules.sh): "settle" waits, bounded, until udev has handled every
# queued event (the drivers for what is present are in); "tick" lets a short settle finish
# events of devices that appeared meanwhile, while the root is awaited.
udev_scan() {
	if [ "$1" = tick ]; then
		"$UDEVADM" settle --timeout=1 >/dev/null 2>&1
		return 0
	fi
	gk_info "udev: waiting up to $UDEV_SETTLE_TIMEOUT s for the device events to be handled (udevadm settle)"
	"$UDEVADM" settle --timeout="$UDEV_SETTLE_TIMEOUT" && return 0
	gk_warn "udev: events still queued after $UDEV_SETTLE_TIMEOUT s; going on (last udevd lines: $(tail -n 3 "$UDEV_LOG" 2>/dev/null | tr '\n' ' '))"
	return 0
}

# Before switch_root: let queued events finish, stop udevd, keep its database in /run/udev.
udev_stop() {
	[ -n "$UDEV_PID" ] || return 0
	"$UDEVADM" settle --timeout="$UDEV_SETTLE_TIMEOUT" ||
		gk_warn "udev: events still queued after $UDEV_SETTLE_TIMEOUT s at switch_root"
	"$UDEVADM" control --exit
	if ! gk_poll -q "$UDEV_EXIT_TIMEOUT" "udevd (pid $UDEV_PID) to exit" : udev_gone; then
		gk_warn "udev: udevd did not exit within $UDEV_EXIT_TIMEOUT s: killing it"
		kill -9 "$UDEV_PID" 2>/dev/null
	fi
	# Reap it: a zombie child of PID 1 would be inherited by the real init.
	wait "$UDEV_PID" 2>/dev/null
	UDEV_PID=
	# shellcheck disable=SC2034
	GK_UDEV=0
	gk_debug "udev: stopped; $(find "$UDEV_DB" -type f 2>/dev/null | wc -l) device records kept for the real root"
	return 0
}

gk_hooks_init="$gk_hooks_init udev_init"
gk_hooks_pre_switch="$gk_hooks_pre_switch udev_stop"
