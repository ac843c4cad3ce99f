#!/bin/busybox sh
# /init of the Debian disks' preparer (test/boot/distro): runs inside QEMU, where
# device-mapper and md are at hand, and fills the partitions disks.ts made with sfdisk:
# the plain root, the installer's encrypted-LVM layout (ext2 /boot, LUKS2 argon2id holding
# debian-vg with root and swap_1), an md RAID1 root, and a hand-made layout (LUKS2 root with ext4
# in it, LUKS2 swap, an empty partition for a random-key swap). Every root is the debootstrapped tree
# (the source disk, ext4) plus the scenario's overlay (/overlay/NAME: fstab, crypttab,
# mdadm.conf, the sentinel unit). Values come from /prepare.env. Prints TSGK-PREPARED and
# powers off; a failing step prints TSGK-PREPARE-FAILED.
# shellcheck shell=sh

# shellcheck source=test/boot/preparer-lib.sh
. /preparer-lib.sh

for m in virtio_pci virtio_blk crc32c_generic ext4 dm_mod dm_crypt xts af_alg algif_skcipher algif_hash md_mod raid1; do
	/sbin/modprobe "$m" || fail "modprobe $m"
done
n=0
while [ ! -b "/dev/$SRC_DISK" ] && [ "$n" -lt 100 ]; do
	$BB sleep 0.1
	n=$((n + 1))
done
[ -b "/dev/$SRC_DISK" ] || fail "disk /dev/$SRC_DISK did not appear"
$BB mkdir -p /src
step $BB mount -t ext4 -o ro "/dev/$SRC_DISK" /src

lvm() {
	LVM_SUPPRESS_FD_WARNINGS=1 /sbin/lvm "$@"
}
# An ext4 root on $1 (filesystem UUID $2): the Debian tree, then overlay $3 on top.
populate() {
	step /sbin/mke2fs -q -F -t ext4 -U "$2" "$1"
	step $BB mount -t ext4 "$1" /mnt
	step $BB cp -a /src/. /mnt/
	step $BB cp -a "/overlay/$3/." /mnt/
	step $BB umount /mnt
}

# A LUKS2 container (argon2id, cost lowered so TCG unlocks in seconds) on $1 with UUID $2.
luks_format() {
	printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup luksFormat --type luks2 --pbkdf argon2id \
		--pbkdf-memory "$KDF_MEMORY_KIB" --pbkdf-parallel 1 --pbkdf-force-iterations "$KDF_ITERATIONS" \
		--batch-mode --uuid "$2" --key-file=- "$1"
}
luks_open() {
	printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup open --key-file=- "$1" "$2"
}

# Plain: one ext4 partition.
populate "/dev/${PLAIN_DISK}1" "$PLAIN_ROOT_UUID" plain

# The installer's "Guided - use entire disk and set up encrypted LVM": partition 2 is /boot
# (ext2), partition 3 the LUKS2 container (argon2id, cost lowered so TCG unlocks in seconds)
# holding the volume group debian-vg with root and swap_1.
step /sbin/mke2fs -q -F -t ext2 -U "$BOOT_UUID" "/dev/${LUKS_DISK}2"
luks_format "/dev/${LUKS_DISK}3" "$LUKS_UUID"
luks_open "/dev/${LUKS_DISK}3" "$CRYPT_NAME"
step lvm pvcreate -q "/dev/mapper/$CRYPT_NAME"
step lvm vgcreate -q "$VG" "/dev/mapper/$CRYPT_NAME"
step lvm lvcreate -q -y -n root -L "${ROOT_LV_MB}m" "$VG"
step lvm lvcreate -q -y -n swap_1 -l 100%FREE "$VG"
step /sbin/mkswap "/dev/$VG/swap_1"
populate "/dev/$VG/root" "$LUKS_ROOT_UUID" luks
step lvm vgchange -q -an "$VG"
step /sbin/cryptsetup close "$CRYPT_NAME"

# By hand: ext4 directly in a LUKS2 root, a LUKS2 swap beside it; partition 3 stays empty for the
# real system's random-key swap (systemd-cryptsetup formats it at each boot).
luks_format "/dev/${CS_DISK}1" "$CS_ROOT_LUKS_UUID"
luks_open "/dev/${CS_DISK}1" cs_root
populate /dev/mapper/cs_root "$CS_ROOT_FS_UUID" cryptswap
step /sbin/cryptsetup close cs_root
luks_format "/dev/${CS_DISK}2" "$CS_SWAP_LUKS_UUID"
luks_open "/dev/${CS_DISK}2" cs_swap
step /sbin/mkswap /dev/mapper/cs_swap
step /sbin/cryptsetup close cs_swap

# md RAID1 over partition 1 of two disks, metadata 1.2, clean from the start.
$BB yes | step /sbin/mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 \
	--assume-clean --homehost=debian --name=0 --uuid="$RAID_UUID" "/dev/${RAID_DISK_A}1" "/dev/${RAID_DISK_B}1"
populate /dev/md0 "$RAID_ROOT_UUID" raid
step /sbin/mdadm --stop /dev/md0

step $BB umount /src
$BB sync
echo TSGK-PREPARED
$BB poweroff -f
