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
drop=$(inroot systemctl cat tpe.service 2>/dev/null | grep -c 'cage -d' || true)
[ "$drop" -ge 1 ] || fail "tpe.service does not run the kiosk (kiosk.conf drop-in not applied)"
echo "verify: systemd-analyze verify: tpe.service (+ kiosk.conf), tpe-update-check.service ok"
for u in tpe.service tpe-update-check.service ssh.service systemd-timesyncd.service; do
  [ "$(inroot systemctl is-enabled "$u" 2>/dev/null)" = enabled ] || fail "$u is not enabled"
done
id=$(inroot id tpe) || fail "no tpe user"
echo "verify: $id"
echo "verify: ok"
