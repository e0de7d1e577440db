#!/usr/bin/env bash
# Enforces the import table of docs/architecture.md §3 with `go list`.
# Third-party rules are checked on all dependencies (go list -deps): a package
# must not reach fyne, bbolt, periph or tarm/serial through anything. Rules on
# project packages are checked on direct imports, because an allowed import
# may legitimately reach them (offline → payment → device/printer).
# Prints every offending import and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -tags=ci"
mod=$(go list -m)
fail=0

pkgs() { go list "$@" 2>/dev/null || true; }
deps() { go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "$1"; }
imports() { go list -f '{{join .Imports "\n"}}' "$1"; }

# forbid_deps PKG REGEX WHY: no transitive dependency of PKG may match REGEX.
forbid_deps() {
  local bad
  bad=$(deps "$1" | grep -E "$2" | grep -v "^$1\$" || true)
  if [ -n "$bad" ]; then
    while read -r b; do echo "lint-imports: $1 depends on $b ($3)"; done <<<"$bad"
    fail=1
  fi
}
# forbid_imports PKG REGEX WHY: no direct import of PKG may match REGEX.
forbid_imports() {
  local bad
  bad=$(imports "$1" | grep -E "$2" || true)
  if [ -n "$bad" ]; then
    while read -r b; do echo "lint-imports: $1 imports $b ($3)"; done <<<"$bad"
    fail=1
  fi
}

fyne='^fyne\.io/'
bolt='^go\.etcd\.io/bbolt'
periph='^periph\.io/'
serial='^github\.com/tarm/serial'

for p in $(pkgs ./device/nfc ./device/printer ./device/display ./device/scanner); do
  forbid_deps "$p" '.' "device contracts use the standard library only"
done
for p in $(pkgs ./drivers/...); do
  forbid_deps "$p" "$fyne|$bolt" "drivers know nothing of UI or storage"
  forbid_imports "$p" "^$mod/(payment|offline|ui)(/|\$)" "drivers implement device contracts only"
  case "$p" in
    "$mod/drivers/serialport") ;;
    *) forbid_imports "$p" "$serial" "only drivers/serialport imports tarm/serial" ;;
  esac
done
for p in $(pkgs ./device/sim/...); do
  forbid_deps "$p" "$fyne|$bolt" "the simulated terminal is wiring of chips, not UI or storage"
done
for p in $(pkgs ./payment/...); do
  forbid_deps "$p" "$fyne|$bolt|$periph|$serial" "payment is pure domain"
  case "$p" in
    "$mod"/payment/emv|"$mod"/payment/emv/*)
      bad=$(imports "$p" | grep -E "^$mod/" | grep -vE "^$mod/payment/emv(/|\$)" || true)
      if [ -n "$bad" ]; then
        while read -r b; do echo "lint-imports: $p imports $b (the EMV kernel stands alone: its own subpackages only)"; done <<<"$bad"
        fail=1
      fi
      ;;
  esac
  case "$p" in
    "$mod"/payment/emv/*) ;;
    "$mod"/payment/emv) ;;
    "$mod"/payment) ;;
    *) forbid_imports "$p" "^$mod/device" "only the payment core talks to device contracts" ;;
  esac
done
# PIN cryptography stands alone so it can be reviewed (and reused by the
# gateway simulator) without the rest of payment.
for p in $(pkgs ./payment/pin/...); do
  forbid_deps "$p" '.' "payment/pin uses the standard library only"
done
# The one message catalogue is imported by every layer (cmd, ui, payment and
# its subpackages), so it imports no project package itself.
for p in $(pkgs ./payment/i18n/...); do
  forbid_deps "$p" "^$mod/|$fyne|$bolt|$periph|$serial" "payment/i18n is imported by every layer and imports none"
done
# The acquirer simulator speaks PayXpert from its own wire types: sharing the
# client's structs would let a misspelt JSON tag pass on both sides.
for p in $(pkgs ./payment/gateway/gatewaysim/...); do
  forbid_deps "$p" "^$mod/payment/gateway\$" "gatewaysim keeps its own wire types (docs/gateway.md)"
done
for p in $(pkgs ./offline/...); do
  forbid_deps "$p" "$fyne|$periph|$serial" "the journal never touches hardware or UI"
  forbid_imports "$p" "^$mod/(ui|drivers|device)(/|\$)" "offline sits beside payment, below cmd"
done
for p in $(pkgs ./ui/...); do
  forbid_deps "$p" "$bolt|^$mod/(drivers|offline)(/|\$)" "UI calls payment.Service, never drivers or the journal"
done
forbid_deps "$mod/ui/simctl" '.' "the simulator contract uses the standard library only"
forbid_deps "$mod/ui/api" 'sim(/|$)|/simulator(/|$)|/simctl(/|$)' "the production API server compiles no simulator (tpe-sim mounts ui/api/apisim)"
for p in $(pkgs ./config/...); do
  forbid_deps "$p" "^$mod/|$fyne|$bolt|$periph|$serial" "config imports the standard library and its TOML parser only"
done

# The production binary carries no simulator: no package whose path has an
# element ending in "sim" (device/sim, pn532sim, gatewaysim, ptysim…), no
# ui/simulator or simulator contract, no creack/pty (cmd/tpe/deps_test.go
# checks the cgo and cross builds too).
forbid_deps "$mod/cmd/tpe" 'sim(/|$)|/simulator(/|$)|/simctl(/|$)|^github\.com/creack/pty' "the production build has no simulator inside (tpe-sim mounts it)"

# Only cmd/* (and the build tools in scripts/) own the process: app.New, host.Init,
# os.Exit, signal.NotifyContext.
owners=$(git ls-files '*.go' 2>/dev/null | grep -vE '^(cmd|scripts)/' | grep -v '_test\.go$' |
  xargs grep -nE '\b(app\.New|host\.Init|os\.Exit|signal\.NotifyContext)\(' 2>/dev/null || true)
if [ -n "$owners" ]; then
  while read -r o; do echo "lint-imports: $o (only cmd/* may own the process)"; done <<<"$owners"
  fail=1
fi

if [ "$fail" -ne 0 ]; then
  echo "lint-imports: FAILED — see docs/architecture.md §3" >&2
  exit 1
fi
echo "lint-imports: ok"
