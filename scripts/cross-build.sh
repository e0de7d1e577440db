#!/usr/bin/env bash
# Cross-builds the terminal for Raspberry Pi-class boards and, with a
# signing key, makes the signed update bundles.
#
#   scripts/cross-build.sh VERSION            # binaries in bin/
#   scripts/cross-build.sh VERSION KEY.key    # + bin/tpe-VERSION-{arm64,armv7}.tpeb, signed
#
# The binaries are `make cross`'s, stamped with VERSION: arm64 is the
# windowed terminal (cgo, fyne's real driver: the cashier's touchscreen in
# the cage kiosk, and --headless too), armv7 the headless one (no cgo, no
# window). The arm64 bundle needs the image's graphics libraries
# (scripts/image/packages.txt), which `make image` installs.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/cross-build.sh VERSION [SIGNING_KEY]}
key=${2:-}
GO=${GO:-go}
make --no-print-directory cross VERSION="$version" GO="$GO"
if [ -z "$key" ]; then
	echo "no signing key given: binaries only (bin/tpe-linux-arm64, bin/tpe-headless-linux-*, bin/tpectl-linux-*)"
	exit 0
fi
# The host's tpectl builds and signs the bundles.
CGO_ENABLED=0 $GO build -ldflags "-X tpe/config.Version=${version}" -o bin/tpectl ./cmd/tpectl
for target in arm64:bin/tpe-linux-arm64 armv7:bin/tpe-headless-linux-armv7; do
	IFS=: read -r name binary <<<"$target"
	out="bin/tpe-${version}-${name}.tpeb"
	rm -f "$out"
	bin/tpectl bundle build --version "$version" --binary "$binary" \
		--unit scripts/systemd/tpe.service --out "$out"
	bin/tpectl bundle sign --key "$key" "$out"
	bin/tpectl bundle verify --pubkey "${key%.key}.pub" "$out" >/dev/null
	echo "signed $out"
done
