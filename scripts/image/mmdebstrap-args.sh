#!/usr/bin/env bash
# Prints mmdebstrap's options for the terminal image, one per line: the
# recipe in one place, used by build.sh and checked by check.sh.
set -euo pipefail
cd "$(dirname "$0")"
pkgs=$(grep -v '^[[:space:]]*\(#\|$\)' packages.txt | tr '\n' ',' | sed 's/,$//')
printf '%s\n' \
  --mode=root \
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
  --customize-hook='rm -f "$1"/var/lib/apt/lists/*_Packages "$1"/var/lib/apt/lists/*_Release "$1"/var/lib/apt/lists/*_InRelease'
