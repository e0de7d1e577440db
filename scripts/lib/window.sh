# Shared by the scripts that run the simulator's real window under Xvfb
# (smoke-window.sh, smoke-pin.sh, smoke-arm64.sh, sim-screens.sh): sourced,
# not run. The caller keeps an array `pids` of what to kill at exit.

# xvfb_start WxH: an Xvfb screen of that size on a display it picks itself
# (-displayfd: no race with another script or a stale lock file, as when
# each script scanned its own range of :N), its pid added to pids; sets
# display. Fails unless the server answers within 10 s.
xvfb_start() {
  local fd_file
  fd_file=$(mktemp)
  Xvfb -displayfd 3 -screen 0 "${1}x24" -nolisten tcp 3>"$fd_file" >/dev/null 2>&1 &
  pids+=($!)
  display=""
  for _ in $(seq 100); do
    [ -s "$fd_file" ] && { display=":$(head -1 "$fd_file")"; break; }
    sleep 0.1
  done
  rm -f "$fd_file"
  [ -n "$display" ] && xdpyinfo -display "$display" >/dev/null 2>&1
}

# sim_wait_url LOG TENTHS PID: waits up to TENTHS tenths of a second for
# tpe-sim (process PID) to write where its API listens in LOG; sets url.
# Fails at once if the process has exited.
sim_wait_url() {
  url=""
  for _ in $(seq "$2"); do
    url=$(grep -o 'listening on http://[0-9.:]*' "$1" | head -1 | sed 's/listening on //') || true
    [ -n "$url" ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
