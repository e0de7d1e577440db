#!/usr/bin/env bash
# Checks the image recipe without building the image (`make image-check`,
# run by .ci/run; `make image` itself takes longer than CI's budget):
#  - the scripts parse (bash -n);
#  - the mmdebstrap command line: arm64, root mode, the packages the kiosk
#    and the windowed tpe need at run time, non-free-firmware for the Pi;
#  - every repository file customize.sh installs exists;
#  - the units: tpe.service stays the --headless Type=notify unit with its
#    watchdog; the kiosk drop-in runs tpe in cage, keeps notify + watchdog
#    working (NotifyAccess=all, WATCHDOG_PID removed), restarts always;
#    systemd-analyze verify accepts both with the drop-in applied;
#  - with mmdebstrap installed and CHECK_RESOLVE=1, apt resolves the whole
#    package set for arm64 (mmdebstrap --simulate: needs the Debian mirror).
# Prints every problem and exits 1 if there is one.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=scripts/image
bad=0
problem() { echo "image-check: $*"; bad=1; }

for s in $here/*.sh scripts/smoke-arm64.sh scripts/apt-need.sh scripts/cross-build.sh; do
  bash -n "$s" || problem "$s does not parse"
done

mapfile -t args < <(bash $here/mmdebstrap-args.sh)
has() { printf '%s\n' "${args[@]}" | grep -qx -- "$1" || problem "mmdebstrap: missing $1"; }
has --architectures=arm64
has --mode=root
has --format=directory
has --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata
# update-initramfs is diverted while the packages install (the kernel's
# postinst and the initramfs-tools trigger would each build an initrd under
# qemu), put back by customize.sh, which builds the one initrd.
printf '%s\n' "${args[@]}" | grep -q -- '^--essential-hook=.*dpkg-divert .*--add /usr/sbin/update-initramfs' ||
  problem "mmdebstrap: update-initramfs is not diverted during the package install"
grep -q 'dpkg-divert .*--remove /usr/sbin/update-initramfs' $here/customize.sh || problem "customize.sh must remove the update-initramfs diversion"
grep -q 'inroot update-initramfs -c -k' $here/customize.sh || problem "customize.sh must build the initrd"
grep -qx 'MODULES=list' $here/files/initramfs.conf || problem "files/initramfs.conf: want MODULES=list (with MODULES=most the initrd alone ran over an hour under qemu)"
# What a Pi needs to reach its root (files/initramfs-modules says which board wants which).
c=$(sed -n 's/^COMPRESS=//p' $here/files/initramfs.conf)
[ -z "$c" ] || grep -qx "$c" $here/packages.txt || problem "packages.txt: $c missing (files/initramfs.conf compresses the initrd with it)"
for m in ext4 sdhci-iproc bcm2835 fixed gpio-regulator xhci-pci reset-raspberrypi dwc2 usb-storage uas; do
  grep -qx "$m" $here/files/initramfs-modules || problem "files/initramfs-modules: $m missing"
done
include=$(printf '%s\n' "${args[@]}" | sed -n 's/^--include=//p' | tr ',' '\n')
# At run time: the kiosk (cage + Xwayland, a logind session), systemd and
# udev, and every shared library the windowed tpe links (fyne's GLFW/X11).
for p in systemd systemd-sysv udev libpam-systemd dbus cage xwayland openssh-server systemd-timesyncd \
  libgl1 libglx-mesa0 libgl1-mesa-dri libx11-6 libxcursor1 libxrandr2 libxinerama1 libxi6 libxxf86vm1 \
  linux-image-arm64 raspi-firmware; do
  grep -qx "$p" <<<"$include" || problem "packages.txt: $p missing"
done
# The libraries the built binary really asks for, when there is one.
if [ -f bin/tpe-linux-arm64 ] && command -v aarch64-linux-gnu-readelf >/dev/null; then
  declare -A lib2pkg=([libGL.so.1]=libgl1 [libX11.so.6]=libx11-6 [libXcursor.so.1]=libxcursor1
    [libXrandr.so.2]=libxrandr2 [libXinerama.so.1]=libxinerama1 [libXi.so.6]=libxi6
    [libXxf86vm.so.1]=libxxf86vm1 [libc.so.6]=libc6 [libm.so.6]=libc6 [libdl.so.2]=libc6
    [libpthread.so.0]=libc6 [librt.so.1]=libc6 [libresolv.so.2]=libc6)
  for lib in $(aarch64-linux-gnu-readelf -d bin/tpe-linux-arm64 | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    p=${lib2pkg[$lib]:-}
    if [ -z "$p" ]; then problem "bin/tpe-linux-arm64 needs $lib: add its package to packages.txt and to check.sh"
    elif [ "$p" != libc6 ] && ! grep -qx "$p" <<<"$include"; then problem "bin/tpe-linux-arm64 needs $lib ($p), not in packages.txt"; fi
  done
fi
grep -q 'non-free-firmware' $here/build.sh || problem "build.sh: raspi-firmware needs the non-free-firmware component"

for f in $(grep -o 'scripts/[A-Za-z0-9_./-]*' $here/customize.sh | sort -u); do
  [ -e "$f" ] || problem "customize.sh installs $f, which does not exist"
done
grep -q 'tpectl flash --target "$root"' $here/customize.sh || problem "customize.sh must install tpe into slot a with tpectl flash --target"

unit=scripts/systemd/tpe.service kiosk=scripts/systemd/tpe.service.d/kiosk.conf
want() { grep -qx -- "$2" "$1" || problem "$1: want the line '$2'"; }
want $unit 'Type=notify'
want $unit 'WatchdogSec=30s'
want $unit 'ExecStart=/opt/tpe/current/bin/tpe --config /etc/tpe/tpe.toml --headless'
want $kiosk 'ExecStart='
want $kiosk 'ExecStart=/usr/bin/env -u WATCHDOG_PID /usr/bin/cage -d -- /opt/tpe/current/bin/tpe --config /etc/tpe/tpe.toml'
want $kiosk 'NotifyAccess=all'
want $kiosk 'Restart=always'
want $kiosk 'PAMName=tpe-kiosk'
want $kiosk 'TTYPath=/dev/tty1'
grep -qE '^(Type|WatchdogSec)=' $kiosk && problem "$kiosk must not change Type= or WatchdogSec= (tpe.service's notify + watchdog stay)"
grep -q 'pam_systemd.so' scripts/kiosk/pam-tpe-kiosk || problem "pam-tpe-kiosk: pam_systemd (logind session) missing"

if command -v systemd-analyze >/dev/null; then
  d=$(mktemp -d)
  cp -r scripts/systemd/. "$d/"
  # On this machine the units' programs (tpectl, tpe, cage) are absent:
  # that remark is expected here; verify.sh checks them inside the image.
  v=$(cd "$d" && systemd-analyze verify --man=no ./tpe.service ./tpe-update-check.service 2>&1 |
    grep -v -e 'Failed to parse system call, ignoring' -e 'is not executable: No such file or directory' || true)
  [ -z "$v" ] || problem "systemd-analyze verify: $v"
  dbg=$(cd "$d" && SYSTEMD_LOG_LEVEL=debug systemd-analyze verify ./tpe.service 2>&1)
  grep -q 'DropIn Path: .*kiosk.conf' <<<"$dbg" || problem "systemd-analyze did not apply kiosk.conf"
  rm -rf "$d"
fi

if [ "${CHECK_RESOLVE:-0}" = 1 ] && command -v mmdebstrap >/dev/null; then
  m=${IMAGE_MIRROR:-http://deb.debian.org/debian}
  d=$(mktemp -d) log=$(mktemp)
  mmdebstrap --simulate "${args[@]}" bookworm "$d/rootfs" "deb $m bookworm main non-free-firmware" >"$log" 2>&1 \
    || problem "mmdebstrap --simulate: the package set does not resolve for arm64: $(grep -E '^E:' "$log" | tail -5)"
  rm -rf "$d" "$log"
fi
[ $bad = 0 ] && echo "image-check: ok"
exit $bad
