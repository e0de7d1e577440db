#!/usr/bin/env bash
# Builds the terminal's arm64 image from Debian packages (`make image`):
#
#   bin/image/tpe-VERSION-arm64-rootfs.tar.gz  root file system: untar onto a
#                                              card's root partition, then
#                                              `tpectl flash --target DIR`
#   bin/image/tpe-VERSION-arm64.img            partitioned card image (boot FAT
#                                              + root ext4) for dd / Raspberry Pi Imager
#   bin/image/tpe-VERSION-arm64.tpeb           the signed bundle installed in slot a
#
# mmdebstrap installs scripts/image/packages.txt for arm64 (maintainer
# scripts run through qemu-user-static + binfmt), customize.sh puts in the
# terminal (tpectl, units, udev rules, kiosk session, tpe user, A/B slots with
# the bundle), verify.sh checks it inside a chroot, then the tarball and the
# .img are written without loop devices (mkfs.ext4 -d, mtools).
#
# Environment (the Makefile passes them):
#   IMAGE_VERSION   semantic version stamped into tpe and the bundle (0.0.0-dev.gHASH)
#   IMAGE_KEY       release signing key (tpectl bundle keygen); default: a
#                   development key made once in bin/image/dev-release.key
#   IMAGE_SSH_KEYS  authorized_keys file for root (technicians); default none
#   IMAGE_HOSTNAME  default tpe
#   IMAGE_MIRROR    Debian mirror, default http://deb.debian.org/debian
#   IMAGE_IMG       0 skips the partitioned .img (tarball only)
# Needs root (mmdebstrap root mode, chroot, device nodes); installs its
# tools with apt when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/image
GO=${GO:-go}
version=${IMAGE_VERSION:?IMAGE_VERSION is not set (make image sets it)}
key=${IMAGE_KEY:-}
mirror=${IMAGE_MIRROR:-http://deb.debian.org/debian}
out=bin/image
root=$out/rootfs
base=$out/tpe-${version}-arm64
t0=$(date +%s)
step() { printf '\n==> image: %s (%ds)\n' "$*" $(( $(date +%s) - t0 )); }

[ "$(id -u)" = 0 ] || { echo "image: run as root (mmdebstrap root mode, chroot): sudo make image" >&2; exit 1; }
for f in bin/tpe-linux-arm64 bin/tpectl-linux-arm64; do
  [ -f "$f" ] || { echo "image: $f missing: run make cross first (make image does)" >&2; exit 1; }
done
step "tools"
# dpkg-dev: mmdebstrap's eatmydata hook asks dpkg-architecture for the arm64 library path.
bash scripts/apt-need.sh mmdebstrap qemu-user-static binfmt-support arch-test dpkg-dev e2fsprogs dosfstools mtools fdisk
bash $here/binfmt.sh

step "signed bundle $version"
mkdir -p $out
# The image tree is a whole Debian root inside the module's directory: a
# go.mod makes it another module, so `go test ./...` never walks into it.
printf '// Not a module: keeps `go ... ./...` out of the image build tree.\nmodule tpe-image-build-tree\n' > $out/go.mod
CGO_ENABLED=0 $GO build -ldflags "-X tpe/config.Version=${version}" -o bin/tpectl ./cmd/tpectl
if [ -z "$key" ]; then
  key=$out/dev-release.key
  if [ ! -f "$key" ]; then
    bin/tpectl bundle keygen --out "${key%.key}"
  fi
  echo "image: WARNING: signed with the development key $key — give IMAGE_KEY=release.key for a shop"
fi
pub=${key%.key}.pub
[ -f "$pub" ] || { echo "image: $pub missing (the public half of IMAGE_KEY)" >&2; exit 1; }
rm -f "$base.tpeb"
bin/tpectl bundle build --version "$version" --binary bin/tpe-linux-arm64 \
  --unit scripts/systemd/tpe.service --out "$base.tpeb"
bin/tpectl bundle sign --key "$key" "$base.tpeb"
bin/tpectl bundle verify --pubkey "$pub" "$base.tpeb" >/dev/null

if [ "${IMAGE_KEEP_BASE:-0}" = 1 ] && [ -d "$root/var/lib/dpkg" ] && [ ! -e "$root/opt/tpe" ]; then
  # Recipe work: reuse a base system mmdebstrap just made (same packages.txt),
  # not yet customized.
  step "debian bookworm arm64: reusing $root (IMAGE_KEEP_BASE=1)"
else
  step "debian bookworm arm64 (mmdebstrap)"
  if [ -d "$root" ]; then
    # A previous run's tree; nothing may still be mounted in it.
    for m in $(awk -v r="$(realpath "$root")" '$2 ~ "^"r {print $2}' /proc/mounts | sort -r); do umount -l "$m"; done
    rm -rf --one-file-system "$root"
  fi
  mapfile -t args < <(bash $here/mmdebstrap-args.sh)
  mmdebstrap "${args[@]}" bookworm "$root" \
    "deb $mirror bookworm main non-free-firmware" \
    "deb $mirror bookworm-updates main non-free-firmware" \
    "deb ${IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main non-free-firmware"
fi

step "terminal software and configuration"
IMAGE_VERSION=$version IMAGE_PUB=$pub IMAGE_BUNDLE=$base.tpeb bash $here/customize.sh "$root"

step "checks inside the image (chroot through qemu)"
bash $here/verify.sh "$root"

step "tarball"
rm -f "$base-rootfs.tar.gz"
tar -C "$root" --numeric-owner --xattrs --acls -cf - . | gzip -1 > "$base-rootfs.tar.gz"

if [ "${IMAGE_IMG:-1}" != 0 ]; then
  step "partitioned image"
  bash $here/mkimg.sh "$root" "$base.img"
fi
step "done"
ls -l "$out"/tpe-"$version"-arm64*
du -sh --apparent-size "$root" | sed 's/^/image: root file system /'
