# shellcheck shell=sh
# Console keymap (feature "keymap", src/features/keymap.ts): keymap=NAME loads
# /lib/keymaps/NAME.map with busybox loadkmap; dokeymap without keymap= asks for a name
# (or the number from the list). Runs at the init hook point, so the map is in place
# before any passphrase prompt (LUKS unlocks at pre_root). A keymap problem never stops
# the boot: the kernel's default (us) map stays.
# From 10-keymap.conf: KEYMAP_DIR (NAME.map files), KEYMAP_LIST (the names, one a line).

keymap_list() {
	km_n=0
	while read -r km_name; do
		km_n=$((km_n + 1))
		printf '%3d %s\n' "$km_n" "$km_name"
	done <"$KEYMAP_LIST"
}

# NAME, or the NAME at position N of keymapList.
keymap_name() {
	if gk_is_int "$1"; then
		sed -n "${1}p" "$KEYMAP_LIST" 2>/dev/null
	else
		echo "$1"
	fi
}

# The list and the prompt go to the console (stderr); only the answer goes to stdout.
keymap_ask() {
	{
		echo ">> keymaps in this image:"
		keymap_list
	} >&2
	gk_prompt_read '>> keymap name or number (Enter keeps the default): ' || GK_ANSWER=
	echo "$GK_ANSWER"
}

keymap_load() {
	km_want=$(gk_cmdline_get keymap) || km_want=
	if [ -z "$km_want" ] && gk_cmdline_has dokeymap; then
		km_want=$(keymap_ask)
	fi
	[ -n "$km_want" ] || return 0
	km_map=$(keymap_name "$km_want")
	if [ -z "$km_map" ] || [ ! -r "$KEYMAP_DIR/$km_map.map" ]; then
		gk_warn "keymap '$km_want' is not in this image; keeping the default (have: $(tr '\n' ' ' <"$KEYMAP_LIST"))"
		return 0
	fi
	if loadkmap <"$KEYMAP_DIR/$km_map.map"; then
		gk_info "keymap $km_map loaded"
	else
		gk_warn "loadkmap could not load keymap $km_map (no virtual console?); keeping the default"
	fi
	return 0
}

gk_hooks_init="$gk_hooks_init keymap_load"
