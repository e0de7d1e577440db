#!/usr/bin/env bash
# Prints mmdebstrap's options for the terminal image, one per line: the
# recipe in one place, used by build.sh and checked by check.sh.
set -euo pipefail
cd "$(dirname "$0")"
pkgs=$(grep -v '^[[:space:]]*\(#\|$\)' packages.txt | tr '\n' ',' | sed 's/,$//')
printf '%s\n' \
  --mode=root \
  --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
  --architectures=arm64 \
  --variant=apt \
  --format=directory \
  --include="$pkgs" \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --setup-hook='mkdir -p "$1/boot/firmware"' \
  --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
  --essential-hook='printf "#!/bin/sh\necho \"update-initramfs: deferred to the image build (customize.sh)\" >&2\n" > "$1/usr/sbin/update-initramfs"; chmod 0755 "$1/usr/sbin/update-initramfs"' \
  --customize-hook='rm -f "$1"/var/lib/apt/lists/*_Packages "$1"/var/lib/apt/lists/*_Release "$1"/var/lib/apt/lists/*_InRelease'
