#!/usr/bin/env bash
# Checks a built image from the inside (chroot through qemu-user): the
# windowed tpe in slot a starts and reports its version (its shared
# libraries are all in the image), `tpectl diag --sim` passes, the updater
# sees slot a, and systemd accepts the units as installed (with the kiosk
# drop-in). Used by build.sh and scripts/smoke-arm64.sh. Needs root.
#   scripts/image/verify.sh ROOT
set -euo pipefail
root=$(realpath "${1:?usage: verify.sh ROOT}")
mounted=()
cleanup() { for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done; }
trap cleanup EXIT
mnt() { mount "$@" && mounted+=("${@: -1}"); }
bash "$(dirname "$0")/binfmt.sh" >/dev/null
mnt -t proc proc "$root/proc"
mnt --rbind /dev "$root/dev"
mnt -t sysfs sysfs "$root/sys"
mnt -t tmpfs tmpfs "$root/tmp"
inroot() { chroot "$root" "$@"; }
fail() { echo "verify: FAIL: $*" >&2; exit 1; }

out=$(inroot /opt/tpe/current/bin/tpe version) || fail "tpe version: $out"
echo "verify: $out (slot $(readlink "$root/opt/tpe/current"))"
missing=$(inroot /usr/bin/ldd /opt/tpe/current/bin/tpe 2>&1 | grep 'not found' || true)
[ -z "$missing" ] || fail "tpe's libraries missing from the image: $missing"
inroot /usr/local/sbin/tpectl update status --root / | sed 's/^/verify: update status: /'

diag=$(cd / && inroot env HOME=/tmp /usr/local/sbin/tpectl diag --sim 2>&1) || { echo "$diag"; fail "tpectl diag --sim"; }
echo "$diag" | sed 's/^/verify: diag: /'

units=(/etc/systemd/system/tpe.service /etc/systemd/system/tpe-update-check.service)
v=$(inroot systemd-analyze verify --man=no "${units[@]}" 2>&1) || { echo "$v"; fail "systemd-analyze verify"; }
# Anything said about our own units is a defect (other units' notes are Debian's).
ours=$(echo "$v" | grep -E 'tpe(-update-check)?\.service|kiosk\.conf' | grep -v 'Failed to parse system call, ignoring' || true)
[ -z "$ours" ] || { echo "$v"; fail "systemd-analyze verify has remarks on the terminal's units"; }
# systemctl cat needs a running systemd; systemd-analyze shows the drop-ins
# it loaded.
dbg=$(inroot env SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no /etc/systemd/system/tpe.service 2>&1 || true)
grep -q 'DropIn Path: /etc/systemd/system/tpe.service.d/kiosk.conf' <<<"$dbg" ||
  fail "tpe.service does not run the kiosk (kiosk.conf drop-in not applied)"
grep -q '^ExecStart=/usr/bin/env -u WATCHDOG_PID /usr/bin/cage ' "$root/etc/systemd/system/tpe.service.d/kiosk.conf" ||
  fail "kiosk.conf does not start tpe in cage"
echo "verify: systemd-analyze verify: tpe.service (+ kiosk.conf), tpe-update-check.service ok"
for u in tpe.service tpe-update-check.service ssh.service systemd-timesyncd.service; do
  [ "$(inroot systemctl is-enabled "$u" 2>/dev/null)" = enabled ] || fail "$u is not enabled"
done
id=$(inroot id tpe) || fail "no tpe user"

# What the board boots from (raspi-firmware's hook filled /boot/firmware, the
# FAT partition): the Pi's boot firmware (bootcode.bin: Pi 3 and Zero 2 W;
# start4.elf + fixup4.dat: Pi 4, 400, CM4), a device tree per board, the
# kernel and the initrd named in config.txt, the root by label in cmdline.txt.
fw=$root/boot/firmware
kver=$(ls "$root/lib/modules" | sort -V | tail -1)
for f in bootcode.bin start.elf fixup.dat start4.elf fixup4.dat \
  bcm2711-rpi-4-b.dtb bcm2711-rpi-400.dtb bcm2711-rpi-cm4-io.dtb bcm2837-rpi-3-b-plus.dtb bcm2837-rpi-zero-2-w.dtb \
  "vmlinuz-$kver" "initrd.img-$kver" config.txt cmdline.txt; do
  [ -s "$fw/$f" ] || fail "boot partition: $f missing from /boot/firmware"
done
grep -qx "kernel=vmlinuz-$kver" "$fw/config.txt" || fail "config.txt does not boot vmlinuz-$kver"
grep -qx "initramfs initrd.img-$kver" "$fw/config.txt" || fail "config.txt does not load initrd.img-$kver"
grep -qx 'arm_64bit=1' "$fw/config.txt" || fail "config.txt: arm_64bit=1 missing"
grep -q 'Inserted by /etc/default/raspi-firmware-custom' "$fw/config.txt" || fail "config.txt lacks the terminal's settings"
grep -q 'root=LABEL=TPE_ROOT ' "$fw/cmdline.txt" || fail "cmdline.txt: root is not LABEL=TPE_ROOT: $(cat "$fw/cmdline.txt")"
grep -qE 'console=(ttyS|ttyAMA|serial)' "$fw/cmdline.txt" && fail "cmdline.txt has a serial console (the UART is the PN532's)"
grep -q 'cma=' "$fw/cmdline.txt" && fail "cmdline.txt sets cma= (a Pi 4 does not boot with cma=64M; the device trees size it)"
[ "$(head -c4 "$fw/initrd.img-$kver" | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || fail "the initrd is not zstd-compressed (files/initramfs.conf)"
cmp -s "$root/boot/initrd.img-$kver" "$fw/initrd.img-$kver" || fail "/boot/firmware holds another initrd than /boot"
# The initrd reaches the root: the listed modules (and their dependencies)
# for SD, eMMC and USB storage and ext4, fsck for the root, udev for LABEL=.
in=$(inroot lsinitramfs "/boot/initrd.img-$kver") || fail "lsinitramfs"
for m in $(grep -v '^#' "$root/etc/initramfs-tools/modules") jbd2 sdhci-pltfm; do # + two dependencies
  grep -q "/$m\.ko\$" <<<"$in" || fail "initrd: module $m missing"
done
for f in fsck.ext4 udevadm scripts/local; do
  grep -qE "(^|/)$f\$" <<<"$in" || fail "initrd: $f missing"
done
echo "verify: boot: $(ls "$fw" | wc -l) files in /boot/firmware, initrd $(( $(stat -c %s "$fw/initrd.img-$kver") / 1024 )) KiB with $(grep -c '\.ko$' <<<"$in") modules"
echo "verify: $id"
echo "verify: ok"
