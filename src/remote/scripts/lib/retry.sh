# shellcheck shell=bash
# ------------------------------------------------------------------ retry
# retry DESCRIPTION CMD...: run CMD; after a failure wait base, 2x, 4x ... and try again, up to
# UPSC_RETRY_TRIES more times (default 3: waits 2 s, 4 s, 8 s with the default base of 2 s).
# CMD returning RETRY_STOP means retrying cannot help.
retry() {
  local desc=$1 tries base attempt=0 rc delay
  shift
  setting_int tries UPSC_RETRY_TRIES 3
  setting_ms base UPSC_RETRY_BASE_SECONDS 2000
  while :; do
    rc=0
    "$@" || rc=$?
    if ((rc == 0 || rc == RETRY_STOP || attempt >= tries)); then return "$rc"; fi
    delay=$((base << attempt))
    attempt=$((attempt + 1))
    warn "$desc failed (attempt $attempt of $((tries + 1))); retrying in $(ms_fmt "$delay")s"
    sleep_ms "$delay"
  done
}
