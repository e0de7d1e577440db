#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are not installed yet
# (as root, or through sudo). A package named NAME:ARCH for a foreign
# architecture (libx11-dev:arm64) first adds ARCH to dpkg (multiarch).
# Quiet and fast when everything is there: one dpkg-query per package.
#   scripts/apt-need.sh gcc-aarch64-linux-gnu libx11-dev:arm64 …
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "apt-need: installing ${missing[*]}"
if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
  echo "apt-need: need root to run: apt-get install -y ${missing[*]}" >&2; exit 1
fi
native=$(dpkg --print-architecture)
for p in "${missing[@]}"; do
  case "$p" in *:*) a=${p##*:}
    if [ "$a" != "$native" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
      echo "apt-need: adding the $a architecture (dpkg --add-architecture $a)"
      "${SUDO[@]}" dpkg --add-architecture "$a"
    fi ;;
  esac
done
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
