#!/usr/bin/env bash
# PIN sale through the real simulator window, as a customer makes it: an
# 80,00 € card sale started through the local API, the virtual card tapped,
# then the PIN typed on the window's PIN pad with the mouse (xdotool) —
# never through POST /v1/sim/pin. The pad's digits are in a new random
# order every time, so the script reads them off the screen: the Corriger
# (amber) and Valider (green) keys give the grid's geometry, the ten digit
# keys are cropped and read by OCR (tesseract); they must be 0-9 once each.
# After the keys, the entry must show four more dots; after Valider the
# payment must be approved with cvm online_pin (the bank checked the PIN:
# 1234 for every virtual card) and the receipt say CODE CONFIDENTIEL VERIFIE.
# Visa at 1280×800, Mastercard at 1280×720 (the smallest supported screen).
# Needs bin/tpe-sim (make build), Xvfb, ImageMagick, xdotool, tesseract-ocr
# (.ci/run installs them). Fails loudly, keeping the screenshots. The pad
# waits emv.pin_timeout (30 s) for Valider: the script prints how long the
# window took to draw the pad and the OCR to read it (a few seconds each on
# a loaded 2-core machine).
# Usage: scripts/smoke-pin.sh [OUT_DIR]   (screenshots land there)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
[ -x bin/tpe-sim ] || { echo "smoke-pin: bin/tpe-sim missing: make build"; exit 1; }
for tool in Xvfb xdotool tesseract /usr/bin/convert import curl; do
  command -v "$tool" >/dev/null || { echo "smoke-pin: $tool missing (apt: xvfb xdotool tesseract-ocr imagemagick curl)"; exit 1; }
done
work=$(mktemp -d)
pids=()
. scripts/lib/window.sh
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop; rm -rf "$work"' EXIT
fail() { echo "smoke-pin: FAIL: $*"; echo "--- tpe-sim log (tail)"; tail -20 "$work/sim.log" || true; echo "smoke-pin: screenshots in $out"; exit 1; }

amber='#E58E12' green='#129A56' ink='#171F2E' # ui/cashier/theme.go

# open WxH: Xvfb at that size and tpe-sim (French) in it, until its first frame.
open() {
  xvfb_start "$1" || fail "Xvfb did not start"
  rm -rf "$work/data"
  DISPLAY=$display LANG=fr_FR.UTF-8 bin/tpe-sim --listen 127.0.0.1:0 --data "$work/data" >"$work/sim.log" 2>&1 &
  pids+=($!)
  sim_wait_url "$work/sim.log" 300 "$!" || fail "tpe-sim did not start"
  for _ in $(seq 100); do
    grab "$work/probe.png" && [ "$(/usr/bin/convert "$work/probe.png" -format '%k' info:)" -gt 50 ] && return 0
    sleep 0.2
  done
  fail "the window stayed blank"
}

grab() { DISPLAY=$display import -window root "$1" 2>/dev/null; }
field() { # field JSON NAME: a string field of the API's JSON
  grep -o "\"$2\": \"[^\"]*\"" <<<"$1" | head -1 | sed 's/.*: "\(.*\)"/\1/'
}
payment() { curl -sf "$url/v1/payments/$1"; }
until_state() { # until_state ID REGEX
  local s=""
  for _ in $(seq 150); do
    s=$(field "$(payment "$1")" state)
    [[ "$s" =~ $2 ]] && return 0
    sleep 0.1
  done
  fail "payment $1 is $s, want $2"
}

# blobs IMAGE COLOUR MINAREA: the bounding boxes (WxH+X+Y) of the areas of
# COLOUR larger than MINAREA pixels, largest first.
blobs() {
  /usr/bin/convert "$1" -fuzz 4% -fill black +opaque "$2" -fill white -opaque "$2" \
    -define connected-components:verbose=true -define connected-components:area-threshold="$3" \
    -connected-components 8 null: |
    awk '/\(255,255,255\)|gray\(255\)/ {print $4, $2}' | sort -rn | awk '{print $2}'
}

# bbox IMAGE COLOUR [CROP]: the bounding box (WxH+X+Y) of every pixel of
# COLOUR (in CROP, WxH+X+Y, when given), empty when there is none. Far
# cheaper than connected components, which matters: the pad waits 30 s.
bbox() {
  local b
  b=$(/usr/bin/convert "$1" ${3:+-crop "$3" +repage} -fuzz 4% -fill black +opaque "$2" -fill white -opaque "$2" -format '%@' info: 2>/dev/null)
  case "$b" in 0x0*|1x1+0+0|"") ;; *) echo "$b" ;; esac
}

# key_grid IMAGE: waits for the pad on screen and sets the geometry of its
# 4×3 grid — kx ky (top-left of Corriger, bottom-left key), kw kh (a key),
# pitch_x pitch_y — from the amber Corriger key (the only amber on that
# screen) and the green Valider key on its row.
key_grid() {
  local a g gx _w _h _y
  for _ in $(seq 150); do
    grab "$1"
    a=$(bbox "$1" "$amber")
    if [ -n "$a" ]; then
      IFS='x+' read -r kw kh kx ky <<<"$a"
      g=$(bbox "$1" "$green" "10000x${kh}+0+${ky}")
      if [ -n "$g" ]; then
        IFS='x+' read -r _w _h gx _y <<<"$g"
        pitch_x=$(( (gx - kx) / 2 ))
        pitch_y=$(( kh + pitch_x - kw ))
        [ "$pitch_x" -gt "$kw" ] && [ "$kw" -ge 60 ] && [ "$kh" -ge 48 ] && [ $((_w - kw)) -le 2 ] && [ $((kw - _w)) -le 2 ] && return 0
      fi
    fi
    sleep 0.1
  done
  fail "no PIN pad on screen (no Corriger/Valider keys of at least 60×48 side by side: amber $a, green $g)"
}

# read_pad IMAGE: OCR of the digit keys; sets key_at[DIGIT]="X Y" (its
# centre). Each key is cropped without its border, black on white with a
# margin, which tesseract reads best; the ten go to OCR as one row (one
# tesseract run: the PIN pad waits only emv.pin_timeout, 30 s), and only if
# that row is not 0-9 once each is each key read on its own.
declare -A key_at
read_pad() {
  key_at=()
  local r c x y d i row="" seen="" crops=() xs=() ys=()
  for r in 0 1 2 3; do
    for c in 0 1 2; do
      [ "$r" = 3 ] && [ "$c" != 1 ] && continue # Corriger, Valider
      x=$(( kx + c * pitch_x )) y=$(( ky - (3 - r) * pitch_y ))
      xs+=("$x") ys+=("$y")
      crops+=("(" -clone 0 -crop "$((kw - 20))x$((kh - 16))+$((x + 10))+$((y + 8))" +repage ")")
    done
  done
  /usr/bin/convert "$1" "${crops[@]}" -delete 0 -colorspace gray -threshold 50% \
    -bordercolor white -border 20 +append "$work/keys.png"
  row=$(tesseract "$work/keys.png" - --psm 7 -c tessedit_char_whitelist=0123456789 2>/dev/null | tr -dc 0-9)
  if [ "${#row}" != 10 ] || [ "$(grep -o . <<<"$row" | sort -u | tr -d '\n')" != 0123456789 ]; then
    row=""
    for i in "${!xs[@]}"; do
      /usr/bin/convert "$work/keys.png" -crop "$((kw + 20))x$((kh + 24))+$((i * (kw + 20)))+0" +repage "$work/key.png"
      d=$(tesseract "$work/key.png" - --psm 10 -c tessedit_char_whitelist=0123456789 2>/dev/null | tr -dc 0-9)
      [ "${#d}" = 1 ] || d=$(tesseract "$work/key.png" - --psm 7 -c tessedit_char_whitelist=0123456789 2>/dev/null | tr -dc 0-9)
      [ "${#d}" = 1 ] || fail "key $i of the pad reads '$d', not one digit"
      row+=$d
    done
  fi
  for i in "${!xs[@]}"; do
    d=${row:i:1}
    [ -z "${key_at[$d]:-}" ] || fail "digit $d read twice on the pad ($row)"
    key_at[$d]="$(( xs[i] + kw / 2 )) $(( ys[i] + kh / 2 ))"
    seen+=$d
  done
  [ "${#key_at[@]}" = 10 ] || fail "the pad shows ${#key_at[@]} distinct digits ($seen), want 0-9"
  echo "smoke-pin: pad layout $seen (keys ${kw}×${kh}, pitch ${pitch_x}×${pitch_y})"
}

click() { DISPLAY=$display xdotool mousemove "$1" "$2" sleep 0.05 click 1; sleep 0.15; }

# dots IMAGE: how many masked-entry dots (filled ink discs) the pad's left
# half (amount, title, entry field) shows.
dots() {
  local top=$(( ky - 4 * pitch_y ))
  /usr/bin/convert "$1" -crop "${kx}x$(( ky + kh - top ))+0+$(( top > 0 ? top : 0 ))" +repage -fuzz 8% -fill black +opaque "$ink" -fill white -opaque "$ink" \
    -define connected-components:verbose=true -define connected-components:area-threshold=100 \
    -connected-components 8 null: |
    awk '/\(255,255,255\)|gray\(255\)/ { split($2, b, /[x+]/); w = b[1]; h = b[2]
      if (w >= 14 && w <= 48 && h >= 14 && h <= 48 && w - h <= 3 && h - w <= 3 && $4 >= 0.7 * w * h) n++ }
      END { print n + 0 }'
}

# pin_sale SIZE CARD NAME KEYS: the whole sale through the window; KEYS
# are the keys pressed before Valider, C for Corriger (they must leave 1234).
pin_sale() {
  local size=$1 card=$2 name=$3 keys=$4 id p before after k i t0 pad_ms ocr_ms typed_ms
  open "$size"
  p=$(curl -sf -XPOST "$url/v1/payments" -d '{"amount":8000,"reference":"smoke-pin"}') || fail "POST /v1/payments"
  id=$(field "$p" id)
  until_state "$id" awaiting_customer
  curl -sf -XPOST "$url/v1/sim/card" -d "{\"card\":\"$card\"}" >/dev/null || fail "POST /v1/sim/card $card"
  until_state "$id" awaiting_pin
  t0=$(date +%s%N)
  key_grid "$out/$name-pinpad.png"
  pad_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  read_pad "$out/$name-pinpad.png"
  ocr_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  before=$(dots "$out/$name-pinpad.png")
  for ((i = 0; i < ${#keys}; i++)); do
    k=${keys:i:1}
    if [ "$k" = C ]; then
      click $((kx + kw / 2)) $((ky + kh / 2)) # Corriger
    else
      # shellcheck disable=SC2086 # "X Y"
      click ${key_at[$k]}
    fi
  done
  for _ in $(seq 50); do
    grab "$out/$name-pin-entered.png"
    after=$(dots "$out/$name-pin-entered.png")
    [ $((after - before)) -ge 4 ] && break
    sleep 0.2
  done
  [ $((after - before)) = 4 ] || fail "$name: after $keys the screen shows $((after - before)) more dots, want 4"
  [ "$(field "$(payment "$id")" state)" = awaiting_pin ] || fail "$name: the payment left awaiting_pin before Valider"
  click $((kx + 2 * pitch_x + kw / 2)) $((ky + kh / 2)) # Valider
  typed_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  until_state "$id" '^(approved|declined|failed|cancelled)$'
  p=$(payment "$id")
  [ "$(field "$p" status)" = approved ] && [ "$(field "$p" cvm)" = online_pin ] ||
    fail "$name: payment $(field "$p" status) ($(field "$p" state), cvm $(field "$p" cvm), $(field "$p" error_code)), want approved with online_pin"
  curl -sf "$url/v1/payments/$id/receipt?copy=customer" >"$out/$name-receipt.txt" || fail "$name: no receipt"
  grep -q 'CODE CONFIDENTIEL VERIFIE' "$out/$name-receipt.txt" || fail "$name: the receipt lacks CODE CONFIDENTIEL VERIFIE"
  for _ in $(seq 100); do # the window follows the payment to its green banner
    grab "$out/$name-approved.png"
    [ -n "$(blobs "$out/$name-approved.png" "$green" 20000 | head -1)" ] && break
    sleep 0.2
  done
  [ -n "$(blobs "$out/$name-approved.png" "$green" 20000 | head -1)" ] || fail "$name: the window never showed the approved banner"
  sleep 1.5 # the paper roll follows every 1.2 s
  grab "$out/$name-approved.png"
  curl -sf "$url/v1/sim/printer/last.png" -o "$out/$name-receipt.png" || fail "$name: nothing printed"
  echo "smoke-pin: $name at $size: $keys typed on the pad (after awaiting_pin: pad drawn ${pad_ms} ms, read ${ocr_ms} ms, Valider ${typed_ms} ms), approved, online_pin, receipt says CODE CONFIDENTIEL VERIFIE"
  stop
}

start=$(date +%s)
pin_sale 1280x800 visa-credit visa 1234
pin_sale 1280x720 mastercard mastercard 1239C4 # a slip, corrected
echo "smoke-pin: ok in $(( $(date +%s) - start )) s (screenshots in $out)"
