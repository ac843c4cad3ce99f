# shellcheck shell=sh
# Small helpers every part of the init uses.

gk_is_int() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# Is word $1 in the space separated list $2?
gk_in_list() {
	for gkil_w in $2; do
		[ "$gkil_w" = "$1" ] && return 0
	done
	return 1
}

gk_have() {
	command -v "$1" >/dev/null 2>&1
}

gk_lower() {
	echo "$1" | tr 'ABCDEF' 'abcdef'
}
