# shellcheck shell=bash
# ------------------------------------------------------------------ time
now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }
iso_now() { printf -v "$1" '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }

# tenths_since VAR START_US: VAR := seconds since START_US with one decimal ("3.2").
tenths_since() {
  local _ts_now=${EPOCHREALTIME/./}
  local _ts_t=$(((_ts_now - $2) / 100000))
  printf -v "$1" '%d.%d' $((_ts_t / 10)) $((_ts_t % 10))
}

# last_line VAR FILE: VAR := the last non-empty line of FILE.
last_line() { printf -v "$1" '%s' "$(grep -v '^[[:space:]]*$' "$2" 2>/dev/null | tail -n 1)"; }
