#!/usr/bin/env bash
# Lets this amd64 machine run arm64 programs (chroot into the image, the
# arm64 smoke test): mounts binfmt_misc if needed and registers
# qemu-aarch64-static with the F (fix binary) flag, so it also works inside
# a chroot that does not hold the emulator. Needs root and qemu-user-static.
set -euo pipefail
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64; then
  exit 0
fi
# Debian's qemu-user-static ships the registration line for systemd-binfmt.
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
[ -r "$conf" ] || { echo "binfmt: $conf missing: apt-get install qemu-user-static" >&2; exit 1; }
grep -v '^#' "$conf" | head -1 > /proc/sys/fs/binfmt_misc/register
grep -q enabled /proc/sys/fs/binfmt_misc/qemu-aarch64
echo "binfmt: qemu-aarch64 registered"
