# shellcheck shell=sh
# LUKS2 tokens (--tpm2, --fido2): a volume enrolled with systemd-cryptenroll carries a
# systemd-tpm2 or systemd-fido2 token in its LUKS2 header. 30-luks.sh calls luks_try_token
# before the key file, the passphrase prompt or the SSH unlock; the token is used through
# cryptsetup's plugin with no prompt (--token-only). When it cannot unlock (no TPM device,
# PCR values changed, another or a cleared TPM, no FIDO2 key) that is said in one line and
# the caller goes on as without a token. lukstoken=no skips tokens for one boot.

# Token types systemd-cryptenroll wrote into the header of $1, one per line.
luks_token_types() {
	cryptsetup luksDump "$1" 2>/dev/null | sed -n 's/^[[:space:]]*[0-9][0-9]*: \(systemd-[a-z0-9]*\)[[:space:]]*$/\1/p'
}

luks_tpm_present() {
	[ -c /dev/tpmrm0 ] || [ -c /dev/tpm0 ]
}

# Opens LUKS device $1 as /dev/mapper/$2 by one of its tokens. 0 = opened; 1 = the caller
# unlocks another way (no token, or none that worked, each failure said in one line).
luks_try_token() {
	[ "$(gk_cmdline_get lukstoken)" = no ] && return 1
	ltt_types=$(luks_token_types "$1")
	[ -n "$ltt_types" ] || return 1
	ltt_trim=
	[ "$(gk_cmdline_get root_trim)" = yes ] && ltt_trim=--allow-discards
	for ltt_type in $ltt_types; do
		case $ltt_type in
		systemd-tpm2)
			if ! luks_tpm_present; then
				gk_warn "tpm2: $1 is enrolled with a TPM but this machine shows none (/dev/tpm0); asking for the key instead"
				continue
			fi
			ltt_what="the TPM refused to unlock $1 (PCR values changed, another TPM, or a cleared one)"
			;;
		systemd-fido2) ltt_what="no FIDO2 key enrolled for $1 answered" ;;
		*) continue ;;
		esac
		# shellcheck disable=SC2086 # ltt_trim is one word or nothing
		if ltt_err=$(cryptsetup open --type luks2 --token-only --token-type "$ltt_type" $ltt_trim "$1" "$2" 2>&1); then
			gk_info "${ltt_type#systemd-}: $1 unlocked by its token, no passphrase needed"
			return 0
		fi
		gk_warn "${ltt_type#systemd-}: $ltt_what; asking for the key instead"
		gk_debug "cryptsetup said: $ltt_err"
	done
	return 1
}
