#!/usr/bin/env bash
# Puts the terminal into a Debian root file system made by mmdebstrap
# (build.sh): tpectl, the systemd units and the kiosk session, the udev
# rules, the tpe user and groups, the board's boot settings, and tpe itself
# in A/B slot a, installed from the signed bundle by `tpectl flash --target`
# exactly as a technician would. Runs on the build machine as root; commands
# inside the image run through chroot + qemu-user (binfmt).
#   IMAGE_VERSION=… IMAGE_PUB=release.pub IMAGE_BUNDLE=x.tpeb customize.sh ROOT
set -euo pipefail
root=${1:?usage: customize.sh ROOT}
cd "$(dirname "$0")/../.."
: "${IMAGE_VERSION:?}" "${IMAGE_PUB:?}" "${IMAGE_BUNDLE:?}"
inroot() { chroot "$root" "$@"; }
# /proc, /sys and /dev for the programs run inside (update-initramfs and
# raspi-firmware's hook look at mounts and devices), unmounted on any exit.
mounted=()
cleanup() { for ((i=${#mounted[@]}-1; i>=0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done; }
trap cleanup EXIT
mnt() { mount "$@" && mounted+=("${@: -1}"); }
mnt -t proc proc "$root/proc"
mnt -t sysfs sysfs "$root/sys"
mnt --rbind /dev "$root/dev"

# Software: tpectl belongs to the image (the rollback must not depend on the
# slot it rolls back); tpe comes in a slot from the bundle below.
install -D -m 0755 bin/tpectl-linux-arm64 "$root/usr/local/sbin/tpectl"
install -D -m 0644 scripts/systemd/tpe.service "$root/etc/systemd/system/tpe.service"
install -D -m 0644 scripts/systemd/tpe-update-check.service "$root/etc/systemd/system/tpe-update-check.service"
install -D -m 0644 scripts/systemd/tpe.service.d/kiosk.conf "$root/etc/systemd/system/tpe.service.d/kiosk.conf"
install -D -m 0644 scripts/kiosk/pam-tpe-kiosk "$root/etc/pam.d/tpe-kiosk"
install -D -m 0644 scripts/udev/99-tpe.rules "$root/etc/udev/rules.d/99-tpe.rules"
install -D -m 0644 scripts/image/files/system.conf "$root/etc/systemd/system.conf.d/tpe-watchdog.conf"
install -D -m 0644 scripts/image/files/sshd.conf "$root/etc/ssh/sshd_config.d/tpe.conf"
install -D -m 0644 scripts/image/files/ssh-hostkeys.conf "$root/etc/systemd/system/ssh.service.d/tpe-hostkeys.conf"
install -D -m 0644 scripts/image/files/wired.network "$root/etc/systemd/network/20-wired.network"
install -D -m 0644 scripts/image/files/fstab "$root/etc/fstab"

# The service user and its groups (99-tpe.rules gives the devices to them;
# video, render and input are the kiosk's display and touchscreen).
inroot groupadd -f spi; inroot groupadd -f i2c; inroot groupadd -f gpio
for g in video render input; do inroot groupadd -f -r "$g"; done

if ! inroot getent passwd tpe >/dev/null; then
  inroot useradd --system --home-dir /var/lib/tpe --no-create-home --shell /usr/sbin/nologin \
    --groups dialout,lp,spi,i2c,gpio,video,render,input tpe
fi
inroot install -d -o tpe -g tpe -m 0700 /var/lib/tpe
inroot install -d -o root -g tpe -m 0750 /etc/tpe
inroot install -d -o tpe -g tpe -m 0700 /etc/tpe/private
install -d -m 0755 "$root/etc/tpe/trusted-keys"
install -m 0644 "$IMAGE_PUB" "$root/etc/tpe/trusted-keys/$(basename "$IMAGE_PUB")"

# tpe in slot a (opt/tpe/slots/a, current → slots/a): the updater's layout,
# written by the updater itself. A first install is not on trial.
bin/tpectl flash --target "$root" "$IMAGE_BUNDLE"
rm -f "$root/var/cache/tpe/updates/"*.tpeb

# Identity and access: host name, no root password (SSH keys only), SSH host
# keys made at first boot (each terminal its own), machine-id at first boot.
echo "${IMAGE_HOSTNAME:-tpe}" > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "${IMAGE_HOSTNAME:-tpe}" > "$root/etc/hosts"
inroot passwd -l root >/dev/null
if [ -n "${IMAGE_SSH_KEYS:-}" ]; then
  install -D -m 0600 "$IMAGE_SSH_KEYS" "$root/root/.ssh/authorized_keys"
fi
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"

# Services: the terminal (kiosk drop-in present: on the touchscreen), its
# update check, time (TLS and EMV need the date), network, SSH. tty1 belongs
# to the kiosk.
inroot systemctl enable tpe.service tpe-update-check.service systemd-timesyncd.service \
  systemd-networkd.service ssh.service >/dev/null
inroot systemctl disable getty@tty1.service >/dev/null 2>&1 || true

# Board boot settings (Raspberry Pi, raspi-firmware): the UART for the PN532,
# SPI for the customer display, the hardware watchdog; the serial console
# off (it would talk to the PN532); the root by label; no console blanking.
install -D -m 0644 scripts/image/files/raspi-firmware "$root/etc/default/raspi-firmware"
install -D -m 0644 scripts/image/files/raspi-firmware-custom "$root/etc/default/raspi-firmware-custom"
install -D -m 0644 scripts/image/files/raspi-extra-cmdline "$root/etc/default/raspi-extra-cmdline"
# The initramfs, made once here: mmdebstrap's package install deferred it
# (mmdebstrap-args.sh diverts update-initramfs; the kernel's postinst builds
# one and the initramfs-tools trigger, which the packages shipping initramfs
# hooks activate, builds it again — each under qemu). MODULES=list with the
# Pi's boot drivers (files/initramfs.conf says why). update-initramfs then
# runs raspi-firmware's hook, which copies the kernel, the initrd and the
# Pi's device trees into /boot/firmware and writes config.txt and
# cmdline.txt from the settings above.
if inroot dpkg-divert --list /usr/sbin/update-initramfs | grep -q .; then
  rm -f "$root/usr/sbin/update-initramfs"
  inroot dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
fi
install -D -m 0644 scripts/image/files/initramfs.conf "$root/etc/initramfs-tools/conf.d/tpe.conf"
install -D -m 0644 scripts/image/files/initramfs-modules "$root/etc/initramfs-tools/modules"
kver=$(ls "$root/lib/modules" 2>/dev/null | sort -V | tail -1)
[ -n "$kver" ] || { echo "image: no kernel in $root/lib/modules (linux-image-arm64)" >&2; exit 1; }
rm -f "$root/boot/initrd.img-$kver"
inroot update-initramfs -c -k "$kver"
[ -s "$root/boot/firmware/initrd.img-$kver" ] || { echo "image: raspi-firmware's hook did not fill /boot/firmware" >&2; exit 1; }
echo "image: customized (tpe ${IMAGE_VERSION} in slot a, kernel ${kver:-none})"
