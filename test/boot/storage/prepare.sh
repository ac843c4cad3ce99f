#!/bin/busybox sh
# /init of the disk preparer (test/boot/storage): runs inside QEMU, where device-mapper,
# md and btrfs are at hand, and lays out every storage scenario's disks. The values
# (passphrase, names, UUIDs) come from /prepare.env, written by disks.ts. Prints
# TSGK-PREPARED and powers off; any failing step prints TSGK-PREPARE-FAILED and powers off.
# Tools are called by absolute path: this busybox prefers its own applets.
# shellcheck shell=sh

# shellcheck source=test/boot/preparer-lib.sh
. /preparer-lib.sh

for m in virtio_pci virtio_blk crc32c_generic ext4 dm_mod dm_crypt xts af_alg algif_skcipher algif_hash md_mod raid1 btrfs; do
	/sbin/modprobe "$m" || fail "modprobe $m"
done
n=0
while [ ! -b "/dev/$LAST_DISK" ] && [ "$n" -lt 100 ]; do
	$BB sleep 0.1
	n=$((n + 1))
done
[ -b "/dev/$LAST_DISK" ] || fail "disk /dev/$LAST_DISK did not appear"

# An ext4 filesystem on $1 with label $2 holding the boot tests' root content.
mkroot() {
	step /sbin/mke2fs -q -F -t ext4 -L "$2" "$1"
	step $BB mount -t ext4 "$1" /mnt
	step $BB cp -a /rootfs/. /mnt/
	step $BB umount /mnt
}

luks_format() {
	printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup luksFormat --type luks2 --pbkdf pbkdf2 \
		--pbkdf-force-iterations 1000 --batch-mode --label "$2" --uuid "$3" --key-file=- "$1"
}
luks_open() {
	printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup open --key-file=- "$1" "$2"
}
lvm() {
	LVM_SUPPRESS_FD_WARNINGS=1 /sbin/lvm "$@"
}

# LUKS2 root: passphrase in slot 0, the key file of the key disk in slot 1.
printf '%s' "$KEYFILE_TEXT" >/tmp/root.key
luks_format "/dev/$LUKS_DISK" "$LUKS_LABEL" "$LUKS_UUID"
printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup luksAddKey --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
	--batch-mode --key-file=- "/dev/$LUKS_DISK" /tmp/root.key
luks_open "/dev/$LUKS_DISK" prep-luks
mkroot /dev/mapper/prep-luks tsgk-luksroot
step /sbin/cryptsetup close prep-luks

# The key disk: ext4 with the key file at $KEYFILE_PATH.
step /sbin/mke2fs -q -F -t ext4 -L "$KEY_LABEL" "/dev/$KEY_DISK"
step $BB mount -t ext4 "/dev/$KEY_DISK" /mnt
step $BB mkdir -p "/mnt${KEYFILE_PATH%/*}"
step $BB cp /tmp/root.key "/mnt$KEYFILE_PATH"
step $BB umount /mnt

# LVM root.
step lvm pvcreate -q "/dev/$LVM_DISK"
step lvm vgcreate -q "$LVM_VG" "/dev/$LVM_DISK"
step lvm lvcreate -q -y -n root -l 100%FREE "$LVM_VG"
mkroot "/dev/$LVM_VG/root" tsgk-lvmroot
step lvm vgchange -q -an "$LVM_VG"

# LVM inside LUKS.
luks_format "/dev/$LVMLUKS_DISK" "$LVMLUKS_LABEL" "$LVMLUKS_UUID"
luks_open "/dev/$LVMLUKS_DISK" prep-lvmluks
step lvm pvcreate -q /dev/mapper/prep-lvmluks
step lvm vgcreate -q "$LVMLUKS_VG" /dev/mapper/prep-lvmluks
step lvm lvcreate -q -y -n root -l 100%FREE "$LVMLUKS_VG"
mkroot "/dev/$LVMLUKS_VG/root" tsgk-lvmluksroot
# Its crypttab names the container, as Debian's installer writes it; and a swap entry of
# another kind, which the initramfs must leave alone.
step $BB mount -t ext4 "/dev/$LVMLUKS_VG/root" /mnt
step $BB mkdir -p /mnt/etc
printf '# <target name> <source device> <key file> <options>\n%s UUID=%s none luks,discard\ncswap /dev/disk/by-partlabel/none /dev/urandom swap,cipher=aes-xts-plain64\n' \
	"$LVMLUKS_CRYPTTAB_NAME" "$LVMLUKS_UUID" >/mnt/etc/crypttab
step $BB umount /mnt
step lvm vgchange -q -an "$LVMLUKS_VG"
step /sbin/cryptsetup close prep-lvmluks

# md RAID1 of two disks, clean from the start (nothing to resync), fixed array and fs UUIDs.
$BB yes | step /sbin/mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 \
	--assume-clean --name="$RAID_NAME" --uuid="$RAID_UUID" "/dev/$RAID_DISK_A" "/dev/$RAID_DISK_B"
step /sbin/mke2fs -q -F -t ext4 -L tsgk-raidroot -U "$RAID_FS_UUID" /dev/md0
step $BB mount -t ext4 /dev/md0 /mnt
step $BB cp -a /rootfs/. /mnt/
step $BB umount /mnt
step /sbin/mdadm --stop /dev/md0

# btrfs raid1 (data and metadata) over two disks; the root content only in subvolume @root.
step /sbin/mkfs.btrfs -q -f -d raid1 -m raid1 -L tsgk-btrfs -U "$BTRFS_UUID" "/dev/$BTRFS_DISK_A" "/dev/$BTRFS_DISK_B"
step /sbin/btrfs device scan
step $BB mount -t btrfs "/dev/$BTRFS_DISK_A" /mnt
step /sbin/btrfs subvolume create "/mnt/$BTRFS_SUBVOL"
step $BB cp -a /rootfs/. "/mnt/$BTRFS_SUBVOL/"
step $BB umount /mnt

$BB sync
echo TSGK-PREPARED
$BB poweroff -f
