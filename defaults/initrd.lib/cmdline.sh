# shellcheck shell=sh disable=SC2034 # the settings are read by the other files of the library
# The kernel command line, read with genkernel's meanings. Its words are split with globbing
# off (set -f): a word like root=/dev/sd* must stay itself, never become the files it matches.

# Defaults first, then the build's baked values (/etc/initrd.defaults), then the command line.
gk_set_defaults() {
	REAL_ROOT=
	REAL_INIT=
	INIT_OPTS=
	ROOTFSTYPE=
	ROOTFLAGS=
	GK_MOUNT_MODE=ro
	GK_ROOTDELAY=0
	GK_SCANDELAY=0
	GK_ROOT_TIMEOUT_DEFAULT=10
	GK_FIRSTMODS=
	GK_DOLOAD=
	GK_NOLOAD=
	GK_NOMODULES=0
	GK_DEBUG=0
	GK_QUIET=0
	GK_EMERGENCY=
	GK_FS_MOUNT_MODULES=
	GK_RESUME_FALLBACK=
	# The running kernel's release, read once (uname would be a process per use).
	read -r GK_KV 2>/dev/null </proc/sys/kernel/osrelease || GK_KV=$(uname -r)
	# Hook lists and handlers start from scratch: the kernel turns unknown name=value words
	# into environment variables, and a command line must not be able to register hooks.
	unset gk_hooks_init gk_hooks_modules gk_hooks_pre_root gk_hooks_root_wait gk_hooks_post_mount gk_hooks_pre_switch gk_init_flags gk_unlock_methods
	gk_wait_root_handler=gk_wait_block_root
	gk_mount_root_handler=gk_mount_block_root
	gk_coldplug_handler=gk_load_device_modules
	# shellcheck source=/dev/null
	[ -r /etc/initrd.defaults ] && . /etc/initrd.defaults
	return 0
}

# Comma separated list -> space separated, module names normalised to underscores
# (the kernel and kmod treat - and _ alike in module names).
gk_modlist() {
	echo "$1" | tr ',-' ' _'
}

# Parse the words of /proc/cmdline with genkernel's meanings. real_* win over the plain
# forms, as in genkernel: root= and init= are what the kernel also sees.
gk_parse_cmdline() {
	gkpc_root=
	gkpc_init=
	gkpc_flags=
	gkpc_real_flags=
	gkpc_real_root=
	gkpc_real_init=
	set -f
	# shellcheck disable=SC2086 # split into words, globbing is off
	set -- $1
	set +f
	for gkpc_x in "$@"; do
		case "$gkpc_x" in
		real_root=*) gkpc_real_root=${gkpc_x#*=} ;;
		root=*) gkpc_root=${gkpc_x#*=} ;;
		real_init=*) gkpc_real_init=${gkpc_x#*=} ;;
		init=*) gkpc_init=${gkpc_x#*=} ;;
		init_opts=*) INIT_OPTS=${gkpc_x#*=} ;;
		rootfstype=*) ROOTFSTYPE=${gkpc_x#*=} ;;
		real_rootflags=*) gkpc_real_flags=${gkpc_x#*=} ;;
		rootflags=*) gkpc_flags=${gkpc_x#*=} ;;
		ro) GK_MOUNT_MODE=ro ;;
		rw) GK_MOUNT_MODE=rw ;;
		rootdelay=* | rootwait=*)
			if gk_is_int "${gkpc_x#*=}"; then
				GK_ROOTDELAY=${gkpc_x#*=}
			else
				gk_warn "'$gkpc_x' is not a number of seconds -- ignored"
			fi
			;;
		# genkernel's bare flags mean 5 seconds; the bounded wait never drops below its default.
		rootdelay | rootwait) [ "$GK_ROOTDELAY" -lt 5 ] && GK_ROOTDELAY=5 ;;
		scandelay=*)
			if gk_is_int "${gkpc_x#*=}"; then
				GK_SCANDELAY=${gkpc_x#*=}
			else
				gk_warn "'$gkpc_x' is not a number of seconds -- ignored"
			fi
			;;
		# genkernel's bare scandelay means 3 seconds.
		scandelay) GK_SCANDELAY=3 ;;
		firstmods=*) GK_FIRSTMODS="${GK_FIRSTMODS:+$GK_FIRSTMODS }$(gk_modlist "${gkpc_x#*=}")" ;;
		doload=*) GK_DOLOAD="${GK_DOLOAD:+$GK_DOLOAD }$(gk_modlist "${gkpc_x#*=}")" ;;
		noload=*) GK_NOLOAD="${GK_NOLOAD:+$GK_NOLOAD }$(gk_modlist "${gkpc_x#*=}")" ;;
		nomodules) GK_NOMODULES=1 ;;
		debug) GK_DEBUG=1 ;;
		quiet | quiet_genkernel) GK_QUIET=1 ;;
		gk.emergency=*)
			case "${gkpc_x#*=}" in
			reboot | poweroff | halt) GK_EMERGENCY=${gkpc_x#*=} ;;
			*) gk_warn "'$gkpc_x' is not an emergency action (reboot, poweroff, halt) -- ignored" ;;
			esac
			;;
		esac
	done
	# /dev/ram0 is the kernel's own legacy initrd root, never the real one.
	if [ -n "$gkpc_real_root" ]; then
		REAL_ROOT=$gkpc_real_root
	elif [ -n "$gkpc_root" ] && [ "$gkpc_root" != /dev/ram0 ]; then
		REAL_ROOT=$gkpc_root
	fi
	# init=/init or /linuxrc names this script, not the real init.
	if [ -n "$gkpc_real_init" ]; then
		REAL_INIT=$gkpc_real_init
	elif [ -n "$gkpc_init" ] && [ "$gkpc_init" != /linuxrc ] && [ "$gkpc_init" != /init ]; then
		REAL_INIT=$gkpc_init
	fi
	if [ -n "$gkpc_real_flags" ]; then
		ROOTFLAGS=$gkpc_real_flags
	elif [ -n "$gkpc_flags" ]; then
		ROOTFLAGS=$gkpc_flags
	fi
	[ -n "$REAL_INIT" ] || REAL_INIT=/sbin/init
	gk_debug "root=$REAL_ROOT rootfstype=$ROOTFSTYPE rootflags=$ROOTFLAGS mode=$GK_MOUNT_MODE init=$REAL_INIT init_opts=$INIT_OPTS"
	gk_debug "firstmods=$GK_FIRSTMODS doload=$GK_DOLOAD noload=$GK_NOLOAD nomodules=$GK_NOMODULES rootdelay=$GK_ROOTDELAY scandelay=$GK_SCANDELAY emergency=$GK_EMERGENCY"
	return 0
}

# Value of NAME= on the kernel command line (last one wins), for fragments.
gk_cmdline_get() {
	gkcg_name=$1
	gkcg_v=
	gkcg_found=1
	set -f
	# shellcheck disable=SC2086 # split into words, globbing is off
	set -- $GK_CMDLINE
	set +f
	for gkcg_x in "$@"; do
		case "$gkcg_x" in
		"$gkcg_name"=*)
			gkcg_v=${gkcg_x#*=}
			gkcg_found=0
			;;
		esac
	done
	[ "$gkcg_found" = 0 ] && echo "$gkcg_v"
	return "$gkcg_found"
}

# Is the bare flag NAME on the kernel command line?
gk_cmdline_has() {
	gkch_name=$1
	set -f
	# shellcheck disable=SC2086 # split into words, globbing is off
	set -- $GK_CMDLINE
	set +f
	for gkch_x in "$@"; do
		[ "$gkch_x" = "$gkch_name" ] && return 0
	done
	return 1
}
