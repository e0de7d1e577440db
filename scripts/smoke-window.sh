#!/usr/bin/env bash
# Smoke test of the real simulator window: start Xvfb, run the cgo build of
# tpe-sim in it, take a screenshot and check it is not blank; then tap a
# card through the API and check the window changed. Needs bin/tpe-sim
# (make build), Xvfb and ImageMagick (.ci/run installs them).
# Usage: scripts/smoke-window.sh [OUT_DIR]   (screenshots land there)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
. scripts/lib/window.sh

xvfb_start 1920x1080 || { echo "smoke: Xvfb did not start"; exit 1; }

start=$(date +%s%N)
DISPLAY=$display LANG=en_US.UTF-8 bin/tpe-sim --listen 127.0.0.1:0 --data "$work/data" >"$work/sim.log" 2>&1 &
pids+=($!)
sim_wait_url "$work/sim.log" 300 "$!" || { echo "smoke: tpe-sim did not start:"; cat "$work/sim.log"; exit 1; }

# colours counts the distinct colours of a screenshot: a blank or black
# window has one or two.
colours() { /usr/bin/convert "$1" -format '%k' info:; }
shot() { DISPLAY=$display import -window root "$1"; }

n=0
for _ in $(seq 100); do
  shot "$out/sim-start.png"
  n=$(colours "$out/sim-start.png")
  [ "$n" -gt 50 ] && break
  sleep 0.2
done
first_frame_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$n" -gt 50 ] || { echo "smoke: the window stayed blank ($n colours)"; cat "$work/sim.log"; exit 1; }
echo "smoke: window drawn ($n colours), start → first frame ${first_frame_ms} ms"

curl -sf -XPOST "$url/v1/payments" -d '{"amount":1250,"reference":"smoke"}' >/dev/null
sleep 1
curl -sf -XPOST "$url/v1/sim/card" -d '{"card":"visa-credit"}' >/dev/null
for _ in $(seq 100); do
  status=$(curl -sf "$url/v1/payments?limit=1" | grep -o '"status": "[a-z_]*"' | head -1 || true)
  case "$status" in *approved*|*declined*|*failed*) break ;; esac
  sleep 0.1
done
sleep 1
shot "$out/sim-after-sale.png"
echo "smoke: after a card sale: $status"
case "$status" in *approved*) ;; *) echo "smoke: the sale did not go through"; cat "$work/sim.log"; exit 1 ;; esac
if cmp -s "$out/sim-start.png" "$out/sim-after-sale.png"; then
  echo "smoke: the window did not change after a sale"; exit 1
fi
pid=$(pgrep -f "bin/tpe-sim --listen" | head -1 || true)
[ -n "$pid" ] && echo "smoke: tpe-sim RSS $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$pid/status)"
echo "smoke: ok (screenshots in $out)"
