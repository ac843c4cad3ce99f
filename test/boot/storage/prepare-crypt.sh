#!/bin/busybox sh
# /init of the disk preparer for the hibernation and detached-header scenarios
# (test/boot/storage/crypt-disks.ts): a LUKS2 swap, and a LUKS2 root whose header lives in a file on
# another disk. Values come from /prepare.env. Prints TSGK-PREPARED and powers off; a failing
# step prints TSGK-PREPARE-FAILED.
# shellcheck shell=sh

# shellcheck source=test/boot/preparer-lib.sh
. /preparer-lib.sh

for m in virtio_pci virtio_blk crc32c_generic ext4 dm_mod dm_crypt xts af_alg algif_skcipher algif_hash; do
	/sbin/modprobe "$m" || fail "modprobe $m"
done
n=0
while [ ! -b "/dev/$LAST_DISK" ] && [ "$n" -lt 100 ]; do
	$BB sleep 0.1
	n=$((n + 1))
done
[ -b "/dev/$LAST_DISK" ] || fail "disk /dev/$LAST_DISK did not appear"

fast_pbkdf="--pbkdf pbkdf2 --pbkdf-force-iterations 1000"

# LUKS2 swap: the passphrase in slot 0, mkswap inside.
# shellcheck disable=SC2086 # fast_pbkdf is a word list
printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup luksFormat --type luks2 $fast_pbkdf --batch-mode \
	--label "$CSWAP_LABEL" --uuid "$CSWAP_UUID" --key-file=- "/dev/$CSWAP_DISK"
printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup open --key-file=- "/dev/$CSWAP_DISK" prep-swap
step $BB mkswap -L "$CSWAP_INNER_LABEL" /dev/mapper/prep-swap
step /sbin/cryptsetup close prep-swap

# LUKS2 root with a detached header: the data disk holds no header at all.
# shellcheck disable=SC2086
printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup luksFormat --type luks2 $fast_pbkdf --batch-mode \
	--header /tmp/root.hdr --key-file=- "/dev/$HDRDATA_DISK"
printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup open --header /tmp/root.hdr --key-file=- "/dev/$HDRDATA_DISK" prep-hdr
step /sbin/mke2fs -q -F -t ext4 -L tsgk-hdrroot /dev/mapper/prep-hdr
step $BB mount -t ext4 /dev/mapper/prep-hdr /mnt
step $BB cp -a /rootfs/. /mnt/
step $BB umount /mnt
step /sbin/cryptsetup close prep-hdr
step /sbin/mke2fs -q -F -t ext4 -L "$HDR_LABEL" "/dev/$HDR_DISK"
step $BB mount -t ext4 "/dev/$HDR_DISK" /mnt
step $BB mkdir -p "/mnt${HEADER_PATH%/*}"
step $BB cp /tmp/root.hdr "/mnt$HEADER_PATH"
step $BB umount /mnt

$BB sync
echo TSGK-PREPARED
$BB poweroff -f
