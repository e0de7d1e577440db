#!/usr/bin/env bash
# Writes a partitioned card image from a built root file system, without
# loop devices or mounts (works in containers): partition 1 FAT32
# "TPE_BOOT" (the Raspberry Pi boot firmware, kernel and initrd that
# raspi-firmware put in ROOT/boot/firmware), partition 2 ext4 "TPE_ROOT"
# (the root, filled by mkfs.ext4 -d), MBR as the Pi's boot ROM wants.
#   scripts/image/mkimg.sh ROOT OUT.img
set -euo pipefail
root=${1:?usage: mkimg.sh ROOT OUT.img}
img=${2:?usage: mkimg.sh ROOT OUT.img}
work=$(mktemp -d "$(dirname "$img")/.mkimg.XXXXXX")
trap 'rm -rf "$work"' EXIT
boot_mib=256
# Root: what the tree holds, plus a
# quarter for the journal, logs and a second slot, at least 512 MiB free.
used_mib=$(du -s --block-size=1M -x "$root" | cut -f1)
free_mib=$(( used_mib / 4 > 512 ? used_mib / 4 : 512 ))
root_mib=$(( used_mib + free_mib ))

mkfs.vfat -n TPE_BOOT -F 32 -C "$work/boot.vfat" $((boot_mib * 1024)) >/dev/null
if [ -n "$(ls -A "$root/boot/firmware" 2>/dev/null)" ]; then
  MTOOLS_SKIP_CHECK=1 mcopy -s -i "$work/boot.vfat" "$root"/boot/firmware/* ::/
fi
# mkfs.ext4 -d copies the whole tree, /boot/firmware included: that copy is
# hidden at boot by the FAT mounted over it (fstab) and is what the next
# kernel update's hook rewrites there anyway.
mkfs.ext4 -q -L TPE_ROOT -d "$root" -E root_owner=0:0 "$work/root.ext4" "${root_mib}M"
rm -f "$img"
total_mib=$((1 + boot_mib + root_mib))
truncate -s "${total_mib}M" "$img"
sfdisk --quiet "$img" <<SFDISK
label: dos
start=1MiB, size=${boot_mib}MiB, type=c, bootable
start=$((1 + boot_mib))MiB, size=${root_mib}MiB, type=83
SFDISK
dd if="$work/boot.vfat" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$img" bs=1M seek=$((1 + boot_mib)) conv=notrunc,sparse status=none
echo "mkimg: $img: boot ${boot_mib} MiB + root ${root_mib} MiB (${used_mib} MiB used)"
