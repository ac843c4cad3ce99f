# shellcheck shell=sh
# Kernel modules. modprobe is always called as $GK_MODPROBE (/sbin/modprobe): a busybox built
# with "prefer applets" would otherwise run its own modprobe even when /sbin/modprobe is kmod
# (and busybox cannot read .ko.zst).

GK_MODPROBE=/sbin/modprobe
GK_NOLOAD_CONF=/etc/modprobe.d/noload.conf
GK_ALIASES_SEEN=/run/initramfs/modaliases.seen
# Filesystem modules worth trying when the root's type could not be detected.
GK_COMMON_FS="ext4 xfs btrfs f2fs"

# modprobe must refuse noload= modules even when another module or an alias pulls them
# in: kmod honours `blacklist` for alias lookups (with -b) and `install X /bin/false` for
# every request; busybox honours blacklist with -b. Explicit lists are filtered here too.
gk_write_noload_conf() {
	[ -n "$GK_NOLOAD" ] || return 0
	# Once: udev's kmod builtin needs it before udevd starts, the modalias pass later.
	[ -e "$GK_NOLOAD_CONF" ] && return 0
	mkdir -p /etc/modprobe.d
	: >"$GK_NOLOAD_CONF"
	for gkwn_m in $GK_NOLOAD; do
		echo "blacklist $gkwn_m" >>"$GK_NOLOAD_CONF"
		echo "install $gkwn_m /bin/false" >>"$GK_NOLOAD_CONF"
	done
	gk_info "never loading (noload=): $GK_NOLOAD"
}

# Every modalias the kernel exposes for present devices, one per line, deduplicated. Each bus
# lists its devices under /sys/bus/*/devices; the few modalias files outside a bus are the
# CPU's features (crypto, kvm drivers), the firmware's DMI strings (platform drivers) and input
# devices. One glob and one cat instead of a find through all of /sys/devices, which took
# about 0.7 s per pass under QEMU (TCG) and found the same lines.
gk_device_aliases() {
	cat /sys/devices/system/cpu/modalias /sys/devices/virtual/dmi/id/modalias \
		/sys/bus/*/devices/*/modalias /sys/class/input/*/modalias 2>/dev/null | sort -u
}

# Drivers for present devices come from one of two places, chosen by gk_coldplug_handler
# (set in gk_set_defaults, replaced by the udev fragment when the image has udev):
#   gk_load_device_modules  the modalias pass below, for images without udev (minimal images,
#                           KMOD=no, UDEV=no, gk.udev=no) and when udevd fails to start
#   udev_scan               udevadm trigger + a bounded settle (defaults/initrd.d/05-udev.sh)
# The handler is called with "settle" (wait until the drivers for what is present are in) and
# "tick" (about once a second while a device is awaited; must stay short).

# Load drivers for present devices. Loading a bus driver (virtio_pci, a USB host
# controller) makes new devices appear with new aliases, so repeat until nothing new
# shows up. Without udev nobody else reacts to those uevents.
gk_load_device_modules() {
	gkld_pass=0
	while [ "$gkld_pass" -lt 6 ]; do
		gkld_pass=$((gkld_pass + 1))
		# Only what was not tried before: the rescans while waiting for root stay cheap.
		if [ -s "$GK_ALIASES_SEEN" ]; then
			gkld_new=$(gk_device_aliases | grep -vxF -f "$GK_ALIASES_SEEN")
		else
			gkld_new=$(gk_device_aliases)
		fi
		[ -n "$gkld_new" ] || break
		echo "$gkld_new" >>"$GK_ALIASES_SEEN"
		# The count without a pipe: this runs on every boot, debug or not.
		set -f
		# shellcheck disable=SC2086 # one alias per word, aliases contain no blanks
		set -- $gkld_new
		set +f
		gk_debug "device pass $gkld_pass: $# new aliases"
		# -b applies noload's blacklist to alias matches; -q because most aliases have no
		# module. Drivers that refuse this hardware complain on stderr: shown only with debug
		# (the kernel's own log still shows real load failures such as a bad module format).
		if [ "$GK_DEBUG" = 1 ]; then
			"$GK_MODPROBE" -q -b -a "$@"
		else
			"$GK_MODPROBE" -q -b -a "$@" 2>/dev/null
		fi
	done
	return 0
}

# Load modules named explicitly, one by one so a failure names its module.
gk_load_named_modules() {
	gkln_label=$1
	shift
	for gkln_m in "$@"; do
		if gk_in_list "$gkln_m" "$GK_NOLOAD"; then
			gk_info "$gkln_label: skipping $gkln_m (listed in noload=)"
			continue
		fi
		if ! "$GK_MODPROBE" "$gkln_m"; then
			gk_warn "$gkln_label: could not load module $gkln_m"
		fi
	done
	return 0
}

# For fragments: gk_load_named_modules LABEL MOD..., unless nomodules is set or the image
# has no modules for the running kernel.
gk_load_feature_modules() {
	[ "$GK_NOMODULES" = 1 ] && return 0
	[ -d "/lib/modules/$GK_KV" ] || return 0
	gk_load_named_modules "$@"
}

# Loaded module names, oldest first, on one line.
gk_loaded_modules() {
	gklm_out=
	[ -r /proc/modules ] || return 0
	while read -r gklm_name _; do
		gklm_out="$gklm_name $gklm_out"
	done </proc/modules
	echo "${gklm_out% }"
}

gk_load_modules() {
	if [ "$GK_NOMODULES" = 1 ]; then
		gk_info "nomodules: not loading any module"
		return 0
	fi
	if [ ! -d "/lib/modules/$GK_KV" ]; then
		gk_info "no modules for kernel $GK_KV in this image: nothing to load"
		return 0
	fi
	gk_write_noload_conf
	gk_info "loading drivers for present devices"
	# shellcheck disable=SC2154 # set in gk_set_defaults, or by the udev fragment
	"$gk_coldplug_handler" settle
	gk_debug_at "drivers for present devices in"
	# shellcheck disable=SC2086 # word lists by design
	[ -z "$GK_FIRSTMODS" ] || gk_load_named_modules firstmods $GK_FIRSTMODS
	# shellcheck disable=SC2086
	[ -z "$GK_DOLOAD" ] || gk_load_named_modules doload $GK_DOLOAD
	# Devices created by firstmods/doload drivers need their own drivers too.
	[ -z "$GK_FIRSTMODS$GK_DOLOAD" ] || "$gk_coldplug_handler" settle
	# rootfstype= may be a comma list (tried in order at the mount).
	for gklm_fs in $(echo "$ROOTFSTYPE" | tr ',' ' '); do
		gk_load_fs_module "$gklm_fs"
	done
	return 0
}

# The module providing filesystem $1, unless the kernel already has it, then the modules the
# filesystem loads by name while mounting (vfat: its nls charsets; GK_FS_MOUNT_MODULES, written
# at build time from the kernel config into /etc/initrd.defaults).
gk_load_fs_module() {
	[ "$GK_NOMODULES" = 1 ] && return 0
	if ! grep -qw "$1" /proc/filesystems 2>/dev/null; then
		if gk_in_list "$1" "$GK_NOLOAD"; then
			gk_warn "filesystem $1 is in noload=: not loading it"
			return 0
		fi
		# fs-<type> is the alias every filesystem module declares (MODULE_ALIAS_FS).
		"$GK_MODPROBE" -q "fs-$1" 2>/dev/null || "$GK_MODPROBE" "$1" ||
			gk_warn "could not load the module for filesystem $1"
	fi
	for gklf_e in $GK_FS_MOUNT_MODULES; do
		[ "${gklf_e%%=*}" = "$1" ] || continue
		# shellcheck disable=SC2046 # a comma list made a word list
		gk_load_named_modules "$1" $(echo "${gklf_e#*=}" | tr , ' ')
	done
	return 0
}

gk_load_common_fs_modules() {
	[ "$GK_NOMODULES" = 1 ] && return 0
	gklc_dep=/lib/modules/$GK_KV/modules.dep
	for gklc_fs in $GK_COMMON_FS; do
		grep -q "/$gklc_fs\.ko[^:]*:" "$gklc_dep" 2>/dev/null && gk_load_fs_module "$gklc_fs"
	done
	return 0
}
