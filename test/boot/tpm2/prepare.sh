#!/bin/busybox sh
# /init of the TPM2 disk preparer (test/boot/tpm2): inside QEMU with a software TPM attached,
# makes a LUKS2 root (passphrase in slot 0) and enrolls the TPM with systemd-cryptenroll, as a
# user would. Values come from /prepare.env (written by tpm2-disk.ts). Prints TSGK-PREPARED and
# powers off; a failing step prints TSGK-PREPARE-FAILED. Tools are called by absolute path.
# shellcheck shell=sh

# shellcheck source=test/boot/preparer-lib.sh
. /preparer-lib.sh

for m in virtio_pci virtio_blk crc32c_generic ext4 dm_mod dm_crypt xts af_alg algif_skcipher algif_hash; do
	/sbin/modprobe "$m" || fail "modprobe $m"
done
n=0
while { [ ! -b /dev/vda ] || [ ! -c /dev/tpmrm0 ]; } && [ "$n" -lt 100 ]; do
	$BB sleep 0.1
	n=$((n + 1))
done
[ -b /dev/vda ] || fail "disk /dev/vda did not appear"
[ -c /dev/tpmrm0 ] || fail "no TPM (/dev/tpmrm0) in the preparer"

printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup luksFormat --type luks2 --pbkdf pbkdf2 \
	--pbkdf-force-iterations 1000 --batch-mode --label "$LUKS_LABEL" --uuid "$LUKS_UUID" --key-file=- /dev/vda
printf '%s' "$PASSPHRASE" | step /sbin/cryptsetup open --key-file=- /dev/vda prep-tpm
step /sbin/mke2fs -q -F -t ext4 -L tsgk-tpmroot /dev/mapper/prep-tpm
step $BB mount -t ext4 /dev/mapper/prep-tpm /mnt
step $BB cp -a /rootfs/. /mnt/
step $BB umount /mnt
step /sbin/cryptsetup close prep-tpm

# What a user runs: the existing passphrase unlocks, the TPM seals a new key to PCR 7.
PASSWORD="$PASSPHRASE" step /usr/bin/systemd-cryptenroll --tpm2-device=auto --tpm2-pcrs=7 /dev/vda
/sbin/cryptsetup luksDump /dev/vda | $BB grep -q 'systemd-tpm2' || fail "no systemd-tpm2 token after enrolling"

$BB sync
echo TSGK-PREPARED
$BB poweroff -f
