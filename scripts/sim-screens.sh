#!/usr/bin/env bash
# Regenerates docs/screens/simulator/*.png from the real simulator window:
# for each picture, a fresh Xvfb screen of the picture's size, bin/tpe-sim
# (make build) on a fresh data directory, the sale driven through the local
# API, a screenshot of the whole screen (ImageMagick), quantised to keep the
# PNG small. The window sizes itself to the screen, as on a laptop.
# Usage: scripts/sim-screens.sh [OUT_DIR]   (default docs/screens/simulator)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screens/simulator}
mkdir -p "$out"
[ -x bin/tpe-sim ] || { echo "sim-screens: bin/tpe-sim missing: make build"; exit 1; }
work=$(mktemp -d)
pids=()
. scripts/lib/window.sh
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop; rm -rf "$work"' EXIT

api() { curl -sf -XPOST "$url$1" -d "$2" >/dev/null; }
state() { curl -sf "$url/v1/payments?limit=1" | grep -o '"state": "[a-z_]*"' | head -1 || true; }
until_state() { # until_state REGEX: wait for the last payment's state
  for _ in $(seq 100); do [[ "$(state)" =~ $1 ]] && return 0; sleep 0.1; done
  echo "sim-screens: last payment $(state), want $1"; cat "$work/sim.log"; exit 1
}

# open WxH: Xvfb at that size and tpe-sim in it, waiting for the first frame.
open() {
  xvfb_start "$1" || { echo "sim-screens: Xvfb did not start"; exit 1; }
  rm -rf "$work/data"
  DISPLAY=$display LANG=fr_FR.UTF-8 bin/tpe-sim --listen 127.0.0.1:0 --data "$work/data" >"$work/sim.log" 2>&1 &
  pids+=($!)
  sim_wait_url "$work/sim.log" 300 "$!" || { echo "sim-screens: tpe-sim did not start"; cat "$work/sim.log"; exit 1; }
  for _ in $(seq 100); do
    DISPLAY=$display import -window root "$work/probe.png" 2>/dev/null &&
      [ "$(/usr/bin/convert "$work/probe.png" -format '%k' info:)" -gt 50 ] && break
    sleep 0.2
  done
}

# wait_colour HEX FRACTION: until at least FRACTION of the screen is HEX —
# the window can lag seconds behind the API on a loaded machine (software
# GL under Xvfb), so a picture waits for what it is meant to show.
wait_colour() {
  for _ in $(seq 200); do
    DISPLAY=$display import -window root "$work/shot.png"
    m=$(/usr/bin/convert "$work/shot.png" -fill black +opaque "$1" -fill white -opaque "$1" -format '%[fx:mean]' info:)
    awk "BEGIN{exit !($m >= $2)}" && return 0
    sleep 0.3
  done
  echo "sim-screens: the window never showed $1"; exit 1
}

# shot NAME: the screen, once what it shows has settled, as a 256-colour PNG.
shot() {
  sleep 1.5 # the paper roll follows every 1.2 s
  DISPLAY=$display import -window root "$work/shot.png"
  /usr/bin/convert "$work/shot.png" -dither None -colors 256 "PNG8:$out/$1.png"
  echo "sim-screens: $out/$1.png"
  stop
}

card_sale() { # card_sale AMOUNT CARD OUTCOME
  api /v1/payments "{\"amount\":$1,\"reference\":\"docs\"}"
  until_state awaiting_customer
  api /v1/sim/card "{\"card\":\"$2\"}"
  until_state "$3"
}

green='#129A56' orange='#E58E12' red='#D83535' # the cashier's outcome banners

open 1280x800
shot 01-idle

open 1280x800
card_sale 2490 visa-credit approved
wait_colour "$green" 0.05
shot 02-card-approved

open 1280x800
api /v1/payments '{"amount":5600,"method":"alipayplus","reference":"docs"}'
until_state awaiting_customer
wait_colour '#000000' 0.03 # the QR code on the cashier's screen
shot 03-alipay-phone

open 1280x800
api /v1/sim/network '{"online":false}'
card_sale 780 mastercard offline_approved
wait_colour "$orange" 0.05
shot 04-offline

open 1366x768
card_sale 1250 amex 'failed|declined'
wait_colour "$red" 0.05
shot 05-declined-1366x768

open 1280x720
card_sale 990 maestro approved
wait_colour "$green" 0.05
shot 06-smallest-1280x720

open 1720x940
card_sale 2490 cb-visa approved
wait_colour "$green" 0.04
shot 07-wide-1720x940

open 1280x800
api /v1/payments '{"amount":8000,"reference":"docs"}'
until_state awaiting_customer
api /v1/sim/card '{"card":"visa-credit"}'
until_state awaiting_pin
wait_colour "$orange" 0.004 # the pad's Corriger key (scripts/smoke-pin.sh types on it)
shot 08-pin-pad
