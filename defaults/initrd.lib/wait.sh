# shellcheck shell=sh
# Waiting. Every wait of the init goes through gk_poll: it has a bound and says what it waits for.

# Seconds since boot, whole seconds (for deadlines; `date` may be unset that early).
gk_uptime() {
	read -r gku_up _ </proc/uptime
	echo "${gku_up%%.*}"
}

# Sleep a tenth of a second where busybox allows fractions, else a full second.
gk_nap() {
	sleep 0.1 2>/dev/null || sleep 1
}

# gk_poll [-q] SECONDS WHAT TICK CHECK [ARG...]
# Says "waiting up to SECONDS s for WHAT" (-q: only with debug, when the caller said it in
# its own words), then runs CHECK ARG... until it succeeds (return 0) or SECONDS have passed
# (return 1; the caller reports the failure): every tenth of a second, after the first ten
# seconds once a second (a long wait for a remote unlock need not fork ten sleeps a second).
# CHECK runs in this shell, so it may set variables. About once a second TICK runs (a
# function, or : for none), e.g. to load drivers for devices that appeared meanwhile.
# Not reentrant: a TICK or CHECK must not call gk_poll.
gk_poll() {
	gkpo_say=gk_info
	[ "$1" = -q ] && { gkpo_say=gk_debug; shift; }
	gkpo_secs=$1
	gkpo_tick=$3
	"$gkpo_say" "waiting up to $gkpo_secs s for $2"
	shift 3
	gkpo_last=$(gk_uptime)
	gkpo_deadline=$((gkpo_last + gkpo_secs))
	gkpo_slow=$((gkpo_last + 10))
	while :; do
		"$@" && return 0
		gkpo_now=$(gk_uptime)
		[ "$gkpo_now" -ge "$gkpo_deadline" ] && return 1
		if [ "$gkpo_now" != "$gkpo_last" ]; then
			gkpo_last=$gkpo_now
			"$gkpo_tick"
		fi
		if [ "$gkpo_now" -ge "$gkpo_slow" ]; then
			sleep 1
		else
			gk_nap
		fi
	done
}

# The tick of waits for a device: drivers for devices that showed up meanwhile (slow USB or
# SCSI scans), then the root_wait hooks (rescan LVM, RAID, btrfs).
gk_device_tick() {
	# shellcheck disable=SC2154 # set in gk_set_defaults, or by the udev fragment
	[ "$GK_NOMODULES" = 1 ] || "$gk_coldplug_handler" tick
	gk_run_hooks root_wait
}

# The bound of waits for a device: the default, or rootdelay=/rootwait= if larger.
gk_device_timeout() {
	if [ "$GK_ROOTDELAY" -gt "$1" ]; then
		echo "$GK_ROOTDELAY"
	else
		echo "$1"
	fi
}

# scandelay[=N]: a pause before devices are looked for, for slow disks (USB, some SCSI
# controllers) whose drivers are loaded but whose devices come late.
gk_scan_delay() {
	[ "$GK_SCANDELAY" -gt 0 ] 2>/dev/null || return 0
	gk_info "scandelay: waiting $GK_SCANDELAY s for slow devices"
	sleep "$GK_SCANDELAY"
}
