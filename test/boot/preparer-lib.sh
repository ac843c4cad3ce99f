# shellcheck shell=sh
# Sourced by the disk preparers' /init (storage/prepare.sh, tpm2/prepare.sh): the shared start
# of a preparer guest. fail prints TSGK-PREPARE-FAILED and powers off; step runs a command and
# fails on error. Mounts /proc /sys /dev /run and reads the values in /prepare.env.

BB=/bin/busybox
fail() {
	echo "TSGK-PREPARE-FAILED: $*"
	$BB sync
	$BB poweroff -f
}
step() {
	echo "PREP: $*"
	"$@" || fail "$*"
}

$BB mkdir -p /proc /sys /dev /run /tmp /mnt
$BB mount -t proc proc /proc
$BB mount -t sysfs sysfs /sys
$BB mount -t devtmpfs devtmpfs /dev
$BB mount -t tmpfs tmpfs /run
# shellcheck source=/dev/null
. /prepare.env

# Load the modules named, then wait (10 s at most) for the last disk of the layout, /dev/$LAST_DISK.
load_modules_and_wait() {
	for m in "$@"; do
		/sbin/modprobe "$m" || fail "modprobe $m"
	done
	n=0
	while [ ! -b "/dev/$LAST_DISK" ] && [ "$n" -lt 100 ]; do
		$BB sleep 0.1
		n=$((n + 1))
	done
	[ -b "/dev/$LAST_DISK" ] || fail "disk /dev/$LAST_DISK did not appear"
}
