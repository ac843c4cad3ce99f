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
