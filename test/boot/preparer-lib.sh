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
