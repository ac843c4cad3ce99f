# shellcheck shell=sh
# Checking a filesystem before it is mounted, when the image carries its checker (fsck.TYPE:
# e2fsck for ext2/3/4 with --e2fsprogs). `fsck.TYPE -p` (preen) fixes what is safe to fix without
# asking. Exit codes as fsck(8) defines them: 0 clean; 1 errors corrected; 2 and 3 corrected,
# "reboot" (the filesystem was not mounted yet, so nothing needs a reboot here): the boot goes
# on. 4 and above: errors left; the boot stops there, as in genkernel and dracut. btrfs has no
# checker in the image: `btrfs check` is not meant to run at every boot.

# gk_fsck DEV TYPE WHAT: 0 when the mount may go on; otherwise gk_fail has said why.
gk_fsck() {
	gk_have "fsck.$2" || return 0
	gk_info "fsck: checking $3 $1 ($2) with fsck.$2 -p"
	"fsck.$2" -p "$1"
	gkfk_rc=$?
	case $gkfk_rc in
	0) gk_info "fsck: $3 $1 is clean" ;;
	1 | 2 | 3) gk_info "fsck: errors on $3 $1 were corrected (fsck.$2 exit code $gkfk_rc)" ;;
	*)
		gk_fail "fsck.$2 left errors on $3 $1 that need a decision (exit code $gkfk_rc)" \
			"fsck.$2 -p $1; run 'fsck.$2 $1' in the rescue shell and answer its questions, then exit to retry"
		return 1
		;;
	esac
	return 0
}
