# shellcheck shell=bash
# ------------------------------------------------------------------ paths and settings
# upsc_path PATH: an absolute host path, under UPSC_ROOT (set only in the test sandbox).
upsc_path() { printf '%s%s' "${UPSC_ROOT:-}" "$1"; }

# upsc_init: resolve the common settings into U_* globals and make a private temp dir.
# shellcheck disable=SC2034 # the U_* paths and the command id: read by the other parts and the entry scripts
upsc_init() {
  U_APP=$(upsc_path "${UPSC_APP_DIR:-/opt/upscpro/upscapp-be}")
  U_APP=${U_APP%/}
  U_STATE=$(upsc_path "${UPSC_HOME:-/opt/upscpro/.upsc}")
  U_STATE=${U_STATE%/}
  local cf=${UPSC_COMPOSE_FILE:-docker-compose.yml}
  if [[ $cf == /* ]]; then U_CFILE=$(upsc_path "$cf"); else U_CFILE=$U_APP/$cf; fi
  # Compose's own normalisation of a project name (so images are named <project>-<service>).
  U_PROJECT=${UPSC_COMPOSE_PROJECT:-${U_APP##*/}}
  U_PROJECT=${U_PROJECT,,}
  U_PROJECT=${U_PROJECT//[^a-z0-9_-]/}
  U_HISTORY=$U_STATE/deployments.jsonl
  U_LOCK_FILE=$U_STATE/deploy.lock
  U_LOCK_INFO=$U_STATE/lock.json
  U_CURRENT=$U_STATE/current.json
  U_CLOG=''
  [[ ${UPSC_CONTAINER_LOGS:-} == awslogs && -f $U_STATE/compose.logging.json ]] && U_CLOG=$U_STATE/compose.logging.json
  U_HOSTNAME=${HOSTNAME:-unknown}
  # The SSM agent runs a command from .../document/orchestration/<command-id>/awsrunShellScript/:
  # that is the Run Command id recorded in lock.json and in history.
  [[ ${UPSC_RUN_SCRIPT:-} =~ /orchestration/([0-9a-f-]{36})/ ]] && UPSC_COMMAND_ID=${BASH_REMATCH[1]}
  U_TMP=$(mktemp -d "${TMPDIR:-/tmp}/upsc.XXXXXX") || U_TMP=$U_STATE
  trap on_exit EXIT
}

on_exit() {
  if [[ -n ${U_WATCHDOG:-} ]]; then
    pkill -P "$U_WATCHDOG"
    kill "$U_WATCHDOG"
  fi 2>/dev/null
  lock_release
  if [[ -n ${U_FILTERED:-} ]]; then
    # The output filters (filter_output) write the last lines once every writer has gone; bounded,
    # as a killed child may still hold a pipe.
    exec >&- 2>&-
    for _ in {1..250}; do compgen -G "$U_TMP/*.on" >/dev/null || break; sleep 0.02; done
  fi
  [[ ${U_TMP:-} == */upsc.?????? ]] && rm -rf -- "$U_TMP"
}

# setting_int VAR NAME DEFAULT: VAR := the whole-number setting NAME, or DEFAULT.
setting_int() {
  local -n _si_out=$1
  local _si_v=${!2-}
  if [[ $_si_v =~ ^[0-9]{1,9}$ ]]; then
    _si_out=$((10#$_si_v))
  else
    _si_out=$3
    [[ -z $_si_v ]] || warn "$2 is invalid: using $3"
  fi
}

# setting_ms VAR NAME DEFAULT_MS: VAR := the setting NAME (seconds, up to 3 decimals) in ms.
setting_ms() {
  local -n _sm_out=$1
  local _sm_v=${!2-}
  if [[ $_sm_v =~ ^([0-9]{1,6})(\.([0-9]{1,3}))?$ ]]; then
    local frac=${BASH_REMATCH[3]}000
    _sm_out=$((10#${BASH_REMATCH[1]} * 1000 + 10#${frac:0:3}))
  else
    _sm_out=$3
    [[ -z $_sm_v ]] || warn "$2 is invalid: using the default"
  fi
}

# ms_fmt MS: seconds for humans and for sleep(1): 2000 -> 2, 150 -> 0.15.
ms_fmt() {
  local s
  printf -v s '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
  while [[ $s == *0 ]]; do s=${s%0}; done
  printf '%s' "${s%.}"
}

sleep_ms() { run_child command sleep "$(ms_fmt "$1")"; }
