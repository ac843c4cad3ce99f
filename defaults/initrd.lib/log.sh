# shellcheck shell=sh
# Messages of the init. Every one goes to stderr (the console), never to stdout: a function
# that hands back a value through $(...) may log without its message becoming the value.

gk_info() {
	[ "$GK_QUIET" = 1 ] || echo ">> $*" >&2
}

gk_warn() {
	echo "!! $*" >&2
}

gk_debug() {
	[ "$GK_DEBUG" = 1 ] && echo ".. $*" >&2
	return 0
}

# With gk.debug: the guest's clock (/proc/uptime) at a step of the boot, to see where the init
# spends its time. A shell builtin read, no process started.
gk_debug_at() {
	[ "$GK_DEBUG" = 1 ] || return 0
	read -r gkdt_up _ 2>/dev/null </proc/uptime
	echo ".. at ${gkdt_up:-?} s: $*" >&2
}
