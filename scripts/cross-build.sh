#!/usr/bin/env bash
# Cross-builds the terminal for Raspberry Pi-class boards and, with a
# signing key, makes the signed update bundles.
#
#   scripts/cross-build.sh VERSION            # binaries in bin/
#   scripts/cross-build.sh VERSION KEY.key    # + bin/tpe-VERSION-{arm64,armv7}.tpeb, signed
#
# Headless (CGO_ENABLED=0, -tags ci): the terminal on the board is driven
# through its local API; the same flags as `make cross`.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/cross-build.sh VERSION [SIGNING_KEY]}
key=${2:-}
GO=${GO:-go}
ldflags="-s -w -X tpe/config.Version=${version}"
mkdir -p bin
for target in arm64:arm64: armv7:arm:7; do
	IFS=: read -r name goarch goarm <<<"$target"
	echo "building tpe and tpectl ${version} for linux/${name}"
	CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm \
		$GO build -trimpath -tags ci -ldflags "$ldflags" -o "bin/tpe-linux-${name}" ./cmd/tpe
	CGO_ENABLED=0 GOOS=linux GOARCH=$goarch GOARM=$goarm \
		$GO build -trimpath -ldflags "$ldflags" -o "bin/tpectl-linux-${name}" ./cmd/tpectl
done
if [ -z "$key" ]; then
	echo "no signing key given: binaries only (bin/tpe-linux-*, bin/tpectl-linux-*)"
	exit 0
fi
# The host's tpectl builds and signs the bundles.
CGO_ENABLED=0 $GO build -ldflags "-X tpe/config.Version=${version}" -o bin/tpectl ./cmd/tpectl
for name in arm64 armv7; do
	out="bin/tpe-${version}-${name}.tpeb"
	rm -f "$out"
	bin/tpectl bundle build --version "$version" --binary "bin/tpe-linux-${name}" \
		--unit scripts/systemd/tpe.service --out "$out"
	bin/tpectl bundle sign --key "$key" "$out"
	bin/tpectl bundle verify --pubkey "${key%.key}.pub" "$out" >/dev/null
	echo "signed $out"
done
