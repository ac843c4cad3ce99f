# shellcheck shell=sh
# Software RAID (--mdadm): on `domdadm`, load md and its usual personalities, then let
# mdadm assemble every array it finds before the root device is looked for. The image's
# /etc/mdadm.conf (--mdadm-config) names the arrays when present; without it mdadm scans
# every partition for md superblocks. Arrays that stay inactive because a member is
# missing are started degraded after a few seconds of waiting for the root device.
# From 20-mdadm.conf: MD_MODULES (loaded at boot), MD_CONF (where the image keeps mdadm.conf).
# Seconds of waiting for the root before inactive (degraded) arrays are started anyway.
MD_DEGRADED_AFTER=3
MD_WAITED=0

md_modules() {
	# shellcheck disable=SC2086 # a word list
	gk_load_feature_modules mdadm $MD_MODULES
}

# mdadm's configuration argument: the shipped file, or "partitions" (scan everything).
md_config() {
	if [ -r "$MD_CONF" ]; then
		echo "$MD_CONF"
	else
		echo partitions
	fi
}

md_assemble() {
	mda_conf=$(md_config)
	gk_info "mdadm: assembling RAID arrays (config: $mda_conf)"
	# Non-zero also means "nothing new to assemble": the root wait reports a missing root.
	mdadm --assemble --scan --config="$mda_conf" ||
		gk_warn "mdadm: 'mdadm --assemble --scan' assembled nothing"
	[ -r /proc/mdstat ] && gk_debug "$(cat /proc/mdstat)"
	return 0
}

# Arrays the kernel knows but has not started (a member is missing), one name per line.
md_inactive_arrays() {
	[ -r /proc/mdstat ] || return 0
	sed -n 's/^\(md[^ ]*\) : inactive.*/\1/p' /proc/mdstat
}

md_root_wait() {
	MD_WAITED=$((MD_WAITED + 1))
	# Members that showed up late (slow disks, or inside LUKS/LVM opened meanwhile).
	mdadm --assemble --scan --config="$(md_config)" >/dev/null 2>&1
	[ "$MD_WAITED" -ge "$MD_DEGRADED_AFTER" ] || return 0
	for mdw_a in $(md_inactive_arrays); do
		gk_warn "mdadm: starting /dev/$mdw_a degraded (a member is missing)"
		mdadm --run "/dev/$mdw_a" || gk_warn "mdadm: /dev/$mdw_a could not be started"
	done
	return 0
}

if gk_cmdline_has domdadm; then
	gk_hooks_modules="$gk_hooks_modules md_modules"
	gk_hooks_pre_root="$gk_hooks_pre_root md_assemble"
	gk_hooks_root_wait="$gk_hooks_root_wait md_root_wait"
fi
