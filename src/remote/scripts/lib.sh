# shellcheck shell=bash
# Globals set here are read by the entry scripts (SC2034), and vice versa (SC2153).
# shellcheck disable=SC2034,SC2153
# lib.sh: functions shared by the scripts upsc runs on a host through SSM Run Command.
# The CLI sends lib.sh followed by one entry script (probe, deploy, rollback, history, lock), run
# by bash with the UPSC_* settings exported; see docs/REMOTE-CONTRACT.md. Nothing here evals a
# setting or pastes one into a command string: settings are only ever data (argv words, JSON).

UPSC_LIB_LOADED=1
# C locale: git/curl messages we match are English, EPOCHREALTIME uses '.'; all times are UTC.
export LC_ALL=C TZ=UTC GIT_TERMINAL_PROMPT=0

# Exit codes (also in REMOTE-CONTRACT.md).
RC_OK=0 RC_FAILED=1 RC_USAGE=2 RC_ROLLED_BACK=5 RC_LOCKED=6 RC_INTERRUPTED=130
# A command run by `retry` returns this for a failure that retrying cannot fix.
RETRY_STOP=64

# ------------------------------------------------------------------ external commands
# The deploy lock is fd 9 of this bash alone. Children must not inherit it, or a daemon or
# container started by a child would keep the lock after we exit.
docker() { command docker "$@" 9>&-; }
git() { command git "$@" 9>&-; }
systemctl() { command systemctl "$@" 9>&-; }
curl() { command curl "$@" 9>&-; }
# Every AWS CLI call names the region: the CLI's UPSC_REGION, else the agent's AWS_SSM_REGION_NAME.
# Run Command sets no AWS_REGION, and AWS CLI v1 does not ask the instance metadata for one.
aws() {
  local r=${UPSC_REGION:-${AWS_SSM_REGION_NAME:-}}
  command aws ${r:+--region "$r"} "$@" 9>&-
}

U_CHILD=
# run_child CMD...: run CMD in the background and wait, so that a signal reaches our trap at once
# instead of after CMD ends.
run_child() {
  (
    exec 9>&-
    "$@"
  ) &
  U_CHILD=$!
  local rc=0
  wait "$U_CHILD" || rc=$?
  U_CHILD=
  return "$rc"
}

# kill_child: stop the command run_child is waiting for (used by the signal trap).
kill_child() {
  [[ -n $U_CHILD ]] || return 0
  pkill -TERM -P "$U_CHILD" 2>/dev/null
  kill -TERM "$U_CHILD" 2>/dev/null
  wait "$U_CHILD" 2>/dev/null
  U_CHILD=
}

# stop_on_signals RESTORE RECORD FINISH ADVICE: from now on, a signal ends this deploy or rollback:
# SIGTERM/INT/HUP (Ctrl-C, a shutdown): interrupted, 130; SIGUSR1 (`upsc deploy --cancel`, lock.sh):
# cancelled, 130; SIGALRM (its own deadline, UPSC_DEADLINE_SECONDS, set by the CLI inside the Run
# Command timeout with room to clean up): failed, 1. Then: stop the running child, undo what is
# undoable (RESTORE, before `up`), record the attempt (RECORD, once the lock is ours), FINISH.
# ADVICE is what to tell when `up` had started. The names are this script's own functions.
stop_on_signals() {
  U_SIG_RESTORE=$1 U_SIG_RECORD=$2 U_SIG_FINISH=$3 U_SIG_ADVICE=$4
  local s
  for s in TERM INT HUP USR1 ALRM; do
    # shellcheck disable=SC2064 # the signal name, now
    trap "on_signal $s" "$s"
  done
  setting_int s UPSC_DEADLINE_SECONDS 0
  ((s > 0)) || return 0
  (
    exec 9>&- >&- 2>/dev/null
    command sleep "$s" && kill -ALRM $$
  ) &
  U_WATCHDOG=$!
}

# shellcheck disable=SC2317 # called by the traps
on_signal() {
  trap '' TERM INT HUP USR1 ALRM
  local outcome=interrupted rc=$RC_INTERRUPTED why="interrupted by SIG$1"
  [[ $1 == USR1 ]] && outcome=cancelled why='cancelled (upsc deploy --cancel)'
  [[ $1 == ALRM ]] && outcome=failed rc=$RC_FAILED why="stopped at its deadline (${UPSC_DEADLINE_SECONDS}s)"
  kill_child
  if [[ -n $U_CUR_STEP ]]; then
    step_fail "$U_CUR_STEP" "$why"
  else
    U_REASON=$why
  fi
  if ((U_LOCKED)); then
    if [[ $U_PHASE == pre ]]; then
      "$U_SIG_RESTORE"
      U_ADVICE='the running version was not changed'
    else
      U_ADVICE=$U_SIG_ADVICE
    fi
    "$U_SIG_RECORD" "$outcome"
  fi
  "$U_SIG_FINISH" "$rc" "$outcome"
}

# ------------------------------------------------------------------ paths and settings
# upsc_path PATH: an absolute host path, under UPSC_ROOT (set only in the test sandbox).
upsc_path() { printf '%s%s' "${UPSC_ROOT:-}" "$1"; }

# upsc_init: resolve the common settings into U_* globals and make a private temp dir.
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

# ------------------------------------------------------------------ validation (no git, no eval)
# valid_branch NAME: git's rules for a branch name (check-ref-format --branch), in bash; "@"
# (which git would take) is refused too, as git's own `git branch @` does.
valid_branch() {
  local b=$1
  [[ -n $b && ${#b} -le 255 && $b != @ && $b != HEAD ]] || return 1
  [[ $b != -* && $b != /* && $b != */ && $b != *. && $b != *.lock ]] || return 1
  [[ $b != .* && $b != */.* && $b != *..* && $b != *//* && $b != *.lock/* && $b != *@\{* ]] || return 1
  [[ $b != *[[:cntrl:][:space:]~^:?*\[\\]* ]] || return 1
  return 0
}

# valid_ref REF: a commit id or a unique prefix of one (4 to 64 hex digits).
valid_ref() { [[ $1 =~ ^[0-9a-fA-F]{4,64}$ ]]; }

# is_sha TEXT: a full commit id (SHA-1, or SHA-256 for repositories that use it).
is_sha() { [[ $1 =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]]; }

# valid_service NAME: a compose service name (also never starts with '-').
valid_service() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ ]]; }

# valid_unit NAME: a systemd unit name.
valid_unit() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9@_.:\\-]{0,255}$ ]]; }

# valid_id ID: a deployment id.
valid_id() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$ ]]; }

# ------------------------------------------------------------------ JSON (built in bash: no jq on hosts)
# json_q VAR VALUE: VAR := VALUE as a JSON string literal.
json_q() {
  local _jq_s=$2 _jq_c _jq_h _jq_i
  _jq_s=${_jq_s//\\/\\\\}
  _jq_s=${_jq_s//\"/\\\"}
  _jq_s=${_jq_s//$'\n'/\\n}
  _jq_s=${_jq_s//$'\r'/\\r}
  _jq_s=${_jq_s//$'\t'/\\t}
  if [[ $_jq_s == *[[:cntrl:]]* ]]; then
    for ((_jq_i = 1; _jq_i < 32; _jq_i++)); do
      printf -v _jq_h '%02x' "$_jq_i"
      printf -v _jq_c '%b' "\\x$_jq_h"
      _jq_s=${_jq_s//"$_jq_c"/\\u00$_jq_h}
    done
    _jq_s=${_jq_s//$'\177'/\\u007f}
  fi
  printf -v "$1" '"%s"' "$_jq_s"
}

# json_str VALUE: print VALUE as a JSON string literal.
json_str() {
  local _js
  json_q _js "$1"
  printf '%s' "$_js"
}

# json_qn VAR VALUE: like json_q, but null when VALUE is empty.
json_qn() {
  if [[ -z $2 ]]; then printf -v "$1" null; else json_q "$1" "$2"; fi
}

# json_n VAR VALUE: VAR := VALUE when it is a JSON number, else null.
json_n() {
  if [[ $2 =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?$ ]]; then printf -v "$1" '%s' "$2"; else printf -v "$1" null; fi
}

# json_b VAR TEST_RESULT: VAR := true when $2 is 1, else false.
json_b() { if [[ $2 == 1 ]]; then printf -v "$1" true; else printf -v "$1" false; fi; }

# json_fields VAR KEY:NAME...: append ,"KEY":<variable NAME as a JSON string, or null if empty> to VAR.
json_fields() {
  local -n _jf_out=$1
  local _jf_f _jf_k _jf_v
  shift
  for _jf_f; do
    _jf_k=${_jf_f#*:}
    json_qn _jf_v "${!_jf_k-}"
    _jf_out+=",\"${_jf_f%%:*}\":$_jf_v"
  done
}

# json_get VAR JSON KEY: VAR := the raw JSON value (string literal, number, true/false/null) of KEY
# in a one-line object written by these scripts; empty when absent. A key inside a string cannot
# match: its quotes are escaped there.
json_get() {
  local _jg_re='"'$3'":("([^"\\]|\\.)*"|-?[0-9.]+|true|false|null)'
  if [[ $2 =~ $_jg_re ]]; then printf -v "$1" '%s' "${BASH_REMATCH[1]}"; else printf -v "$1" ''; fi
}

# json_unq VAR LITERAL: VAR := the text of a JSON string literal (simple escapes only); empty for null.
json_unq() {
  local _ju_s=$2
  if [[ $_ju_s != \"*\" ]]; then printf -v "$1" ''; return; fi
  _ju_s=${_ju_s:1:${#_ju_s}-2}
  _ju_s=${_ju_s//\\n/ }
  _ju_s=${_ju_s//\\t/ }
  _ju_s=${_ju_s//\\\"/\"}
  _ju_s=${_ju_s//\\\\/\\}
  printf -v "$1" '%s' "$_ju_s"
}

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

# ------------------------------------------------------------------ redaction
# redact [SECRETS_FILE]: copy stdin to stdout, line by line, masking what looks like a credential:
# GitHub tokens, AWS access key ids, NAME=value where NAME has TOKEN, SECRET or PASSWORD in it, and
# each value (6+ characters, not a number or a JSON word) listed in SECRETS_FILE. The CLI's
# twin is src/util/redact.ts; test/remote/scripts/redact.test.ts holds both to the same cases.
redact() {
  # mawk reads a pipe in blocks unless interactive: lines would only show at the end.
  [[ -n ${U_AWK_MODE-} ]] || { command awk -W version 2>&1 | command grep -q mawk && U_AWK_MODE=interactive || U_AWK_MODE=none; }
  local i=()
  [[ $U_AWK_MODE == none ]] || i=(-W interactive)
  command awk "${i[@]}" -v f="${1-}" '
BEGIN { while (f != "" && (getline s < f) > 0) if (length(s) > 5 && s !~ /^([0-9.]+|true|false|null)$/) v[++n] = s }
{ l = $0
  for (i = 1; i <= n; i++) while ((p = index(l, v[i])) > 0) l = substr(l, 1, p - 1) "***" substr(l, p + length(v[i]))
  gsub(/(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/, "***", l)
  gsub(/(AKIA|ASIA)[A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9]/, "***", l)
  o = ""
  while (match(l, /[A-Za-z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|token|secret|password)[A-Za-z0-9_]*=/)) {
    o = o substr(l, 1, RSTART + RLENGTH - 1) "***"; l = substr(l, RSTART + RLENGTH)
    if (match(l, /^("[^"]*"|\047[^\047]*\047|[^ \t"\047,;&]+)/)) l = substr(l, RLENGTH + 1)
  }
  print o l; fflush() }'
}

# env_secrets FILE: the values of FILE's NAME=value lines whose NAME has TOKEN, SECRET or PASSWORD.
env_secrets() {
  [[ -r $1 ]] || return 0
  command sed -nE 's/^[[:space:]]*(export[[:space:]]+)?[A-Za-z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|token|secret|password)[A-Za-z0-9_]*[[:space:]]*=[[:space:]]*//p' "$1" |
    command sed -E "s/^[\"']//; s/[\"'][[:space:]]*$//"
}

# filter_output NAME CMD...: from now on this script's output goes through CMD. The filter ignores
# Ctrl-C and cancel signals, so the last lines still pass, and it is not our child (a FIFO, not
# >(...), which can leave a cancelled run waiting on it forever). on_exit lets it drain (NAME.on goes
# when it is done).
filter_output() {
  local name=$1
  shift
  mkfifo -m 600 "$U_TMP/$name" || return 0
  : >"$U_TMP/$name.on"
  (
    trap '' TERM INT HUP
    { "$@"; rm -f "$U_TMP/$name.on"; } <"$U_TMP/$name" &
  )
  exec >"$U_TMP/$name" 2>&1
  U_FILTERED=1
}

# redact_output: from now on this script's output goes through `redact` with the app's .env secrets.
redact_output() {
  env_secrets "$U_APP/.env" >"$U_TMP/secrets"
  redact </dev/null # sets U_AWK_MODE once for this script
  filter_output out redact "$U_TMP/secrets"
}

# ------------------------------------------------------------------ report lines
# Report lines carry the run's nonce when the CLI sent one: build or app output cannot forge them.
# Children never see it.
U_MARK="::upsc${UPSC_NONCE:+.$UPSC_NONCE}"
export -n UPSC_NONCE
say() { printf '%s\n' "$*"; }

# deploy_log: copy this run's output, each line timestamped, to UPSC_LOG_DIR/deploy.log, which the
# CloudWatch agent ships to {instance_id}/deploy: every deploy and rollback, whoever started it
# (upsc-run already copies the runs it starts: UPSC_LOGGED). A copier that ignores SIGTERM, so that
# it writes what the script says while it records an interruption. Call it before redact_output:
# the file gets the redacted lines.
deploy_log() {
  local f
  f=$(upsc_path "${UPSC_LOG_DIR:-/var/log/upscpro}")/deploy.log
  [[ -z ${UPSC_LOGGED:-} ]] && mkdir -p -- "${f%/*}" 2>/dev/null && [[ -w ${f%/*} ]] || return 0
  filter_output log copy_log "$f"
}
copy_log() {
  exec 3>>"$1"
  while IFS= read -r l || [[ -n $l ]]; do printf '%(%Y-%m-%dT%H:%M:%SZ)T %s\n' -1 "$l" >&3; printf '%s\n' "$l"; done
}

# warn MESSAGE: a `::upsc warn` line (the CLI shows it highlighted).
warn() { printf '%s warn %s\n' "$U_MARK" "${1//[$'\n\r']/ }"; }

U_STEP_NAMES=() U_STEP_STATUS=() U_STEP_SECS=() U_STEP_DETAILS=()
U_CUR_STEP='' U_STEP_T0=0 U_FAILED_STEP='' U_REASON='' U_ADVICE=''

step_start() {
  U_CUR_STEP=$1
  now_us U_STEP_T0
  printf '%s step %s start\n' "$U_MARK" "$1"
}

# _step_end NAME STATUS TEXT: print the step line and keep it for the result and the record.
_step_end() {
  local secs text=${3//[$'\n\r']/ }
  # A step that fails before it starts (validation) took no time.
  [[ $U_CUR_STEP == "$1" ]] || now_us U_STEP_T0
  tenths_since secs "$U_STEP_T0"
  U_STEP_NAMES+=("$1") U_STEP_STATUS+=("$2") U_STEP_SECS+=("$secs") U_STEP_DETAILS+=("$text")
  U_CUR_STEP=''
  printf '%s step %s %s %ss%s\n' "$U_MARK" "$1" "$2" "$secs" "${text:+ $text}"
}
step_ok() { _step_end "$1" ok "${2-}"; }
# step_fail NAME REASON [ADVICE]
step_fail() {
  U_FAILED_STEP=$1 U_REASON=$2 U_ADVICE=${3-}
  _step_end "$1" fail "$2"
}

# steps_array VAR: the steps as [{"name","status","seconds","detail"}].
steps_array() {
  local i out='' n s d
  for i in "${!U_STEP_NAMES[@]}"; do
    json_q n "${U_STEP_NAMES[i]}"
    json_q s "${U_STEP_STATUS[i]}"
    json_qn d "${U_STEP_DETAILS[i]}"
    out+="${out:+,}{\"name\":$n,\"status\":$s,\"seconds\":${U_STEP_SECS[i]},\"detail\":$d}"
  done
  printf -v "$1" '[%s]' "$out"
}

# steps_object VAR FROM TO: the steps FROM..TO-1 as {"name": seconds} for a history record.
steps_object() {
  local i out='' n
  for ((i = $2; i < $3; i++)); do
    json_q n "${U_STEP_NAMES[i]}"
    out+="${out:+,}$n:${U_STEP_SECS[i]}"
  done
  printf -v "$1" '{%s}' "$out"
}

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

# ------------------------------------------------------------------ docker
U_DOCKER_UP=0 U_DOCKER_VERSION='' U_DOCKER_ERR=''

# docker_ready: one `docker info`; sets U_DOCKER_UP, U_DOCKER_VERSION or U_DOCKER_ERR.
docker_ready() {
  local out
  if out=$(timeout 20 docker info --format '{{.ServerVersion}}' 2>&1 9>&-); then
    U_DOCKER_UP=1 U_DOCKER_VERSION=${out##*$'\n'} U_DOCKER_ERR=''
    return 0
  fi
  U_DOCKER_UP=0 U_DOCKER_ERR=${out:-docker info failed}
  [[ -n ${out//[[:space:]]/} ]] || U_DOCKER_ERR='docker info failed'
  return 1
}

# wait_docker: wait until the daemon answers (bounded by UPSC_DOCKER_WAIT_SECONDS, default 120);
# start the docker service if it is not active. The old scripts raced a daemon still starting.
wait_docker() {
  local limit deadline started=0 state
  setting_int limit UPSC_DOCKER_WAIT_SECONDS 120
  deadline=$((SECONDS + limit))
  until docker_ready; do
    if ((!started)); then
      started=1
      state=$(systemctl is-active docker 2>/dev/null)
      say "Waiting for the Docker daemon (service ${state:-unknown})"
      [[ $state == active || $state == activating ]] || systemctl start docker || warn 'systemctl start docker failed'
    fi
    ((SECONDS < deadline)) || return 1
    sleep_ms 1000
  done
}

# compose ARGS...: docker compose on the app's project.
compose() { docker compose -f "$U_CFILE" ${U_CLOG:+-f "$U_CLOG"} -p "$U_PROJECT" "$@"; }

# compose_logging: with UPSC_CONTAINER_LOGS=awslogs, (re)write the compose override U_CLOG for the
# checked-out compose file: each service's containers to the stream {instance_id}/containers/<service>
# of UPSC_LOG_GROUP through Docker's awslogs driver (docs/HOST-SIGNALS.md). Never fails: without an
# instance id or a readable compose file, the logs stay local and it says so.
compose_logging() {
  [[ ${UPSC_CONTAINER_LOGS:-} == awslogs ]] || return 0
  local id=${AWS_SSM_INSTANCE_ID:-} svcs s q st g r out='' f=$U_STATE/compose.logging.json
  [[ -n $id || ! -f $U_STATE/instance-id ]] || id=$(<"$U_STATE/instance-id")
  U_CLOG=''
  if [[ ! $id =~ ^i-[0-9a-f]+$ ]] || ! svcs=$(compose config --services 2>&1); then
    warn "container logs stay on the host: ${svcs:-no instance id}"
    rm -f -- "$f"
    return 0
  fi
  json_q g "${UPSC_LOG_GROUP:-}"
  json_q r "${UPSC_LOG_REGION:-${UPSC_REGION:-${AWS_SSM_REGION_NAME:-}}}"
  while IFS= read -r s; do
    valid_service "$s" || continue
    json_q q "$s"
    json_q st "$id/containers/$s"
    out+="${out:+,}$q:{\"logging\":{\"driver\":\"awslogs\",\"options\":{\"awslogs-group\":$g,\"awslogs-region\":$r,\"awslogs-stream\":$st,\"awslogs-create-group\":\"true\",\"mode\":\"non-blocking\"}}}"
  done <<<"$svcs"
  mkdir -p -- "$U_STATE" && printf '{"services":{%s}}\n' "$out" >"$f" && U_CLOG=$f
}

# split_tab LINE: U_F := the tab-separated fields of LINE (empty fields kept).
split_tab() {
  U_F=()
  local s=$1$'\t'
  while [[ $s == *$'\t'* ]]; do
    U_F+=("${s%%$'\t'*}")
    s=${s#*$'\t'}
  done
}

# services_read: U_SVC_* := the project's containers from `compose ps -a` (1 on error: U_SVC_ERR).
services_read() {
  local out line
  U_SVC_ID=() U_SVC_NAME=() U_SVC_STATE=() U_SVC_HEALTH=() U_SVC_STATUS=() U_SVC_ERR=''
  if ! out=$(compose ps -a --format $'{{.ID}}\t{{.Service}}\t{{.State}}\t{{.Health}}\t{{.Status}}' 2>&1); then
    U_SVC_ERR=${out:-docker compose ps failed}
    return 1
  fi
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    split_tab "$line"
    U_SVC_ID+=("${U_F[0]}") U_SVC_NAME+=("${U_F[1]-}") U_SVC_STATE+=("${U_F[2]-}")
    U_SVC_HEALTH+=("${U_F[3]-}") U_SVC_STATUS+=("${U_F[4]-}")
  done <<<"$out"
}

# service_ok I: 0 when container I is up (running and not unhealthy/starting, or a finished one-shot).
service_ok() {
  local st=${U_SVC_STATE[$1]} h=${U_SVC_HEALTH[$1]}
  if [[ $st == running ]]; then [[ -z $h || $h == healthy ]]; return; fi
  [[ $st == exited && ${U_SVC_STATUS[$1]} == *'(0)'* ]]
}

# compose_check: `docker compose config --quiet` (the files and .env of the checkout); U_COMPOSE_ERR := its message.
compose_check() {
  U_COMPOSE_ERR=$(compose config --quiet 2>&1) && return 0
  U_COMPOSE_ERR=${U_COMPOSE_ERR//[$'\n\r']/ }
  return 1
}

# ------------------------------------------------------------------ images
# project_images: U_IMAGES := the images the compose project uses (`config --images`).
project_images() {
  local out line
  U_IMAGES=()
  out=$(compose config --images 2>&1) || {
    U_REASON="docker compose config failed: ${out##*$'\n'}"
    return 1
  }
  while IFS= read -r line; do [[ -n $line ]] && U_IMAGES+=("$line"); done <<<"$out"
}

# image_split IMAGE: U_REPO, U_TAG (U_TAG empty for an image pinned by digest).
image_split() {
  local last=${1##*/}
  if [[ $1 == *@* ]]; then
    U_REPO=${1%%@*} U_TAG=''
  elif [[ $last == *:* ]]; then
    U_REPO=${1%:*} U_TAG=${1##*:}
  else
    U_REPO=$1 U_TAG=latest
  fi
}

# built_image REPO: an image compose builds for this project (named <project>-<service>).
built_image() { [[ $1 == "$U_PROJECT"-* ]]; }

# images_retag SHA save|restore: save: tag every project image present as <repo>:upsc-<sha12>
# (how a rollback finds it); restore: point each image's tag back at <repo>:upsc-<sha12>.
# U_RETAGGED counts them; returns 1 and lists U_RETAG_MISSING when a built image had neither.
images_retag() {
  local img src dst
  U_RETAGGED=0 U_RETAG_MISSING=()
  for img in "${U_IMAGES[@]}"; do
    image_split "$img"
    [[ -n $U_TAG ]] || continue
    src=$U_REPO:$U_TAG dst=$U_REPO:upsc-${1:0:12}
    [[ $2 == restore ]] && src=$dst dst=$U_REPO:$U_TAG
    if docker image tag "$src" "$dst" 2>/dev/null; then
      U_RETAGGED=$((U_RETAGGED + 1))
    elif built_image "$U_REPO"; then
      U_RETAG_MISSING+=("$U_REPO")
    fi
  done
  ((${#U_RETAG_MISSING[@]} == 0))
}

# build_images: the configured build command (UPSC_BUILD_COUNT + UPSC_BUILD_<i> argv words, run
# in the app dir) or `docker compose build`.
build_images() {
  local n i v argv=()
  setting_int n UPSC_BUILD_COUNT 0
  for ((i = 1; i <= n; i++)); do
    v=UPSC_BUILD_$i
    argv+=("${!v-}")
  done
  if ((${#argv[@]} > 0)); then
    say "Building with: ${argv[*]}"
    COMPOSE_FILE=$U_CFILE COMPOSE_PROJECT_NAME=$U_PROJECT run_child build_in_app "${argv[@]}"
  else
    say "Building with: docker compose build"
    run_child compose build
  fi
}
build_in_app() {
  export COMPOSE_FILE COMPOSE_PROJECT_NAME UPSC_COMMIT UPSC_PREVIOUS_COMMIT
  cd "$U_APP" && command "$@"
}

# hooks_run POINT [COMMIT PREVIOUS]: the stage's hooks at POINT (PRE_BUILD PRE_DEPLOY POST_DEPLOY POST_ROLLBACK), step
# <point>-hooks: each the argv UPSC_HOOK_<POINT>_<i>_<j> (j to _ARGC; never through a shell) in the
# app dir like the build, within _TIMEOUT seconds (300). 1: one failed (U_HOOK_ERR; the step is left
# open for the caller; U_HOOK_ROLLBACK=1 when its _ROLLBACK is 1). UPSC_SKIP_HOOKS=1: none run.
hooks_run() {
  local p=$1 n i j argc t v rc argv step=${1,,} c=${2-$U_COMMIT} pc=${3-$U_PREV}
  step=${step//_/-}-hooks U_HOOK_ROLLBACK=0
  setting_int n "UPSC_HOOK_${p}_COUNT" 0
  ((n > 0)) || return 0
  step_start "$step"
  [[ ${UPSC_SKIP_HOOKS:-} == 1 ]] && { step_ok "$step" "$n skipped (--skip-hooks)" && return 0; }
  for ((i = 1; i <= n; i++)); do
    setting_int argc "UPSC_HOOK_${p}_${i}_ARGC" 0
    setting_int t "UPSC_HOOK_${p}_${i}_TIMEOUT" 300
    argv=()
    for ((j = 1; j <= argc; j++)); do
      v=UPSC_HOOK_${p}_${i}_$j
      argv+=("${!v-}")
    done
    say "Hook ${step%-hooks} $i: ${argv[*]}"
    rc=0
    COMPOSE_FILE=$U_CFILE COMPOSE_PROJECT_NAME=$U_PROJECT UPSC_COMMIT=$c UPSC_PREVIOUS_COMMIT=$pc \
      run_child build_in_app timeout -k 10 "$t" "${argv[@]}" </dev/null || rc=$?
    ((rc == 0)) && continue
    v="exit $rc"
    ((rc == 124)) && v="timed out after ${t}s"
    ((rc == 127)) && v='command not found'
    U_HOOK_ERR="${step%-hooks} hook $i (${argv[0]-}) failed: $v"
    v=UPSC_HOOK_${p}_${i}_ROLLBACK
    [[ ${!v-} == 1 ]] && U_HOOK_ROLLBACK=1
    return 1
  done
  step_ok "$step" "$n passed"
}

# post_hook_failed STEP: a post-hook failed: the step fails, the outcome stands.
post_hook_failed() {
  _step_end "$1" fail "$U_HOOK_ERR"
  warn "$U_HOOK_ERR: reported only, no rollback"
}

# env_refresh: the app's .env := the SSM parameter UPSC_ENV_PARAMETER, read here with the instance
# role (values never travel in the command, its output or the history). The old one is kept in
# UPSC_HOME/env.previous for env_restore. U_ENV_CHANGED=1 when it changed. 1: F_REASON says why.
env_refresh() {
  local p=$UPSC_ENV_PARAMETER new=$U_APP/.env.upsc-new
  U_ENV_CHANGED=0
  if ! (umask 077 && aws ssm get-parameter --name="$p" --with-decryption \
    --query Parameter.Value --output text >"$new" 2>"$U_TMP/aws.err"); then
    rm -f -- "$new"
    last_line F_REASON "$U_TMP/aws.err"
    F_REASON="could not read the app's .env from SSM parameter $p: ${F_REASON:-aws cli failed}"
    return 1
  fi
  # The CLI adds a newline after the value: the file ends with exactly one.
  (umask 077 && printf '%s\n' "$(<"$new")" >"$new.1") && mv -f -- "$new.1" "$new"
  [[ -f $U_APP/.env && $(<"$new") == "$(<"$U_APP/.env")" ]] && { rm -f -- "$new" && return 0; }
  rm -f -- "$U_STATE/env.previous"
  [[ -f $U_APP/.env ]] && cp -p -- "$U_APP/.env" "$U_STATE/env.previous"
  mv -f -- "$new" "$U_APP/.env" && U_ENV_CHANGED=1
}

# env_restore: put back the .env env_refresh replaced (none before: removed).
env_restore() {
  ((${U_ENV_CHANGED:-0})) || return 0
  if [[ -f $U_STATE/env.previous ]]; then mv -f -- "$U_STATE/env.previous" "$U_APP/.env"; else rm -f -- "$U_APP/.env"; fi
  U_ENV_CHANGED=0
  say '.env is back to what it was'
}

# ------------------------------------------------------------------ git
git_app() { git -c safe.directory="$U_APP" -C "$U_APP" "$@"; }

# head_commit VAR: VAR := the commit checked out in the app dir (empty when unknown).
head_commit() {
  local _hc
  _hc=$(git_app rev-parse --verify -q 'HEAD^{commit}' 2>/dev/null) || _hc=''
  printf -v "$1" '%s' "$_hc"
}

# checkout_commit SHA: the exact commit, detached, tracked files as committed. Untracked files,
# ignored or not (.env and such), are the operator's: never deleted, never overwritten (git refuses
# and names them when the commit tracks one).
checkout_commit() {
  git_app reset --quiet --hard && git_app checkout --quiet --no-overwrite-ignore --detach "$1" && compose_logging
}

# warn_untracked: name the untracked files .gitignore does not list (a build may pick them up).
warn_untracked() {
  local out line n=0 names=''
  out=$(git_app --no-optional-locks status --porcelain --untracked-files=normal 2>/dev/null) || return 0
  while IFS= read -r line; do
    [[ $line == '?? '* ]] || continue
    n=$((n + 1))
    ((n > 5)) || names+="${names:+, }${line#?? }"
  done <<<"$out"
  ((n == 0)) || warn "$n untracked file(s) in $U_APP not listed in .gitignore may change the build: $names$( ((n <= 5)) || printf ', ...'); kept as they are"
}

# git_err FILE: git's error output on one line (it names the files it refused to touch).
git_err() { tr -s '\n\t' '  ' <"$1"; }

# ------------------------------------------------------------------ health checks
# hc_load: U_HC_* := the UPSC_HC_<i>_* settings (i from 1, at most 100 checks).
hc_load() {
  local n i v
  setting_int n UPSC_HC_COUNT 0
  ((n > 100)) && n=100
  U_HC_N=$n U_HC_NAME=() U_HC_URL=() U_HC_SERVICE=() U_HC_PORT=() U_HC_PATH=() U_HC_EXPECT=()
  for ((i = 1; i <= n; i++)); do
    v=UPSC_HC_${i}_SERVICE
    U_HC_SERVICE[i]=${!v-}
    v=UPSC_HC_${i}_NAME
    U_HC_NAME[i]=${!v:-${U_HC_SERVICE[i]:-check $i}}
    v=UPSC_HC_${i}_URL
    U_HC_URL[i]=${!v-}
    v=UPSC_HC_${i}_PORT
    U_HC_PORT[i]=${!v-}
    v=UPSC_HC_${i}_PATH
    U_HC_PATH[i]=${!v:-/}
    v=UPSC_HC_${i}_EXPECT
    U_HC_EXPECT[i]=${!v:-200}
  done
  setting_ms U_HC_TIMEOUT_MS UPSC_HC_TIMEOUT_SECONDS 5000
}

# hc_target I: U_URL := the URL of check I (literal, or the service's published port), or
# U_HC_ERR says why there is none.
hc_target() {
  local i=$1 svc=${U_HC_SERVICE[$1]} port=${U_HC_PORT[$1]} path=${U_HC_PATH[$1]} out hp host
  U_URL=${U_HC_URL[i]} U_HC_ERR=''
  [[ -n $U_URL ]] && return 0
  if ! valid_service "$svc" || [[ ! $port =~ ^[0-9]{1,5}$ ]]; then
    U_HC_ERR='needs a URL, or a compose service and a container port'
    return 1
  fi
  if ((!U_DOCKER_UP)); then
    U_HC_ERR='docker is not running'
    return 1
  fi
  if ! out=$(compose port "$svc" "$port" 2>&1); then
    U_HC_ERR="no published port $port for service $svc: ${out//$'\n'/ }"
    return 1
  fi
  hp=${out##*$'\n'}
  host=${hp%:*}
  [[ $host == 0.0.0.0 || $host == '[::]' || $host == :: || -z $host ]] && host=127.0.0.1
  [[ $path == /* ]] || path=/$path
  U_URL="http://$host:${hp##*:}$path"
}

# hc_probe URL TIMEOUT_MS: one request; prints "status latencyMs error" fields on three lines.
hc_probe() {
  local out code='' ms='' err
  out=$(curl -sS -o /dev/null --proto '=http,https' --max-time "$(ms_fmt "$2")" \
    -w ' upsc-hc:%{http_code}:%{time_total}:' --url "$1" 2>&1)
  if [[ $out =~ \ upsc-hc:([0-9]{3}):([0-9]+)\.?([0-9]*): ]]; then
    code=${BASH_REMATCH[1]}
    local frac=${BASH_REMATCH[3]}000
    ms=$((10#${BASH_REMATCH[2]} * 1000 + 10#${frac:0:3}))
    out=${out/"${BASH_REMATCH[0]}"/}
  fi
  [[ $code == 000 ]] && code='' ms=''
  err=${out//$'\n'/ }
  err=${err#curl: }
  err=${err%"${err##*[![:space:]]}"}
  [[ -z $code && -z $err ]] && err='no response'
  printf '%s\n%s\n%s\n' "$code" "$ms" "$err"
}

# hc_run_all: every check once, in parallel. U_HC_JSON := the results array; U_HC_OK := 1 when all
# pass; U_HC_FAILED := lines describing failures; U_HC_FAIL_SVCS := services of failing checks.
hc_run_all() {
  local i pids=() urls=() errs=() code ms err ok name url expect status latency error item=''
  U_HC_OK=1 U_HC_FAILED=() U_HC_FAIL_SVCS=()
  for ((i = 1; i <= U_HC_N; i++)); do
    if hc_target "$i"; then
      urls[i]=$U_URL errs[i]=''
      hc_probe "$U_URL" "$U_HC_TIMEOUT_MS" >"$U_TMP/hc.$i" &
      pids+=($!)
    else
      urls[i]='' errs[i]=$U_HC_ERR
    fi
  done
  ((${#pids[@]} == 0)) || wait "${pids[@]}"
  for ((i = 1; i <= U_HC_N; i++)); do
    code='' ms='' err=${errs[i]}
    if [[ -n ${urls[i]} ]]; then
      { IFS= read -r code; IFS= read -r ms; IFS= read -r err; } <"$U_TMP/hc.$i"
    fi
    ok=0
    [[ -n $code && $code == "${U_HC_EXPECT[i]}" ]] && ok=1
    if ((!ok)); then
      U_HC_OK=0
      [[ -z $err && -n $code ]] && err="status $code, expected ${U_HC_EXPECT[i]}"
      U_HC_FAILED+=("${U_HC_NAME[i]} ${urls[i]:-(no URL)}: $err")
      [[ -n ${U_HC_SERVICE[i]} ]] && U_HC_FAIL_SVCS+=("${U_HC_SERVICE[i]}")
    fi
    json_q name "${U_HC_NAME[i]}"
    json_qn url "${urls[i]}"
    json_n expect "${U_HC_EXPECT[i]}"
    [[ $expect == null ]] && json_q expect "${U_HC_EXPECT[i]}"
    json_n status "$code"
    json_n latency "$ms"
    json_qn error "$err"
    json_b ok "$ok"
    item+="${item:+,}{\"name\":$name,\"url\":$url,\"expect\":$expect,\"status\":$status,\"ok\":$ok,\"latencyMs\":$latency,\"error\":$error}"
  done
  U_HC_JSON="[$item]"
}

# health_gate: poll the checks and the services every UPSC_HEALTH_INTERVAL_SECONDS (2) until all
# pass, up to UPSC_HEALTH_TIMEOUT_SECONDS (120). On failure: print the failing checks and the last
# 50 log lines of the failing services; U_GATE_REASON says what failed.
health_gate() {
  local timeout_ms interval_ms start now i bad_svcs=() svc_ok
  setting_ms timeout_ms UPSC_HEALTH_TIMEOUT_SECONDS 120000
  setting_ms interval_ms UPSC_HEALTH_INTERVAL_SECONDS 2000
  hc_load
  now_us start
  while :; do
    hc_run_all
    svc_ok=1 bad_svcs=()
    if services_read; then
      ((${#U_SVC_ID[@]} > 0)) || { svc_ok=0 U_SVC_ERR='no containers are running'; }
      for i in "${!U_SVC_ID[@]}"; do
        service_ok "$i" && continue
        svc_ok=0
        bad_svcs+=("${U_SVC_NAME[i]}: ${U_SVC_STATE[i]}${U_SVC_HEALTH[i]:+ (${U_SVC_HEALTH[i]})}")
      done
    else
      svc_ok=0
    fi
    ((U_HC_OK && svc_ok)) && return 0
    now_us now
    (((now - start) / 1000 + interval_ms < timeout_ms)) || break
    sleep_ms "$interval_ms"
  done
  health_report "$timeout_ms" "${bad_svcs[@]}"
  return 1
}

# health_report TIMEOUT_MS BAD_SERVICE_LINES...: say what failed and show the services' logs.
health_report() {
  local limit=$1 line svcs=() summary=''
  shift
  say "Health gate failed after $(ms_fmt "$limit")s."
  for line in "${U_HC_FAILED[@]}" "$@" ${U_SVC_ERR:+"$U_SVC_ERR"}; do
    say "  failing: $line"
    summary+="${summary:+; }$line"
  done
  for line in "$@" "${U_HC_FAIL_SVCS[@]}"; do
    valid_service "${line%%:*}" && [[ " ${svcs[*]} " != *" ${line%%:*} "* ]] && svcs+=("${line%%:*}")
  done
  # With no service to blame (checks by URL), every service's log.
  say "----- last 50 log lines of: ${svcs[*]:-all services} -----"
  compose logs --no-color --tail 50 "${svcs[@]}" 2>&1
  U_GATE_REASON="health checks failed after $(ms_fmt "$limit")s: ${summary:-unknown}"
}

# ------------------------------------------------------------------ lock
# The deploy lock is flock(2) on UPSC_HOME/deploy.lock, held by fd 9 of the deploying bash: the
# kernel releases it when that process dies, however it dies. lock.json names the holder.
U_LOCKED=0 U_LOCK_HOLDER=''

# lock_probe [WAIT]: open the lock file on fd 9 and take the lock, waiting up to WAIT seconds
# (default: not at all). 0 = taken, 1 = held by another.
lock_probe() {
  local i
  for i in 1 2 3; do
    exec 9>>"$U_LOCK_FILE" || return 2
    flock -w "${1:-0}" 9 || {
      exec 9>&-
      return 1
    }
    # A forced release unlinks the file: holding a lock on an unlinked file means nothing.
    [[ /dev/fd/9 -ef $U_LOCK_FILE ]] && return 0
    exec 9>&-
  done
  return 2
}

# lock_holder: U_LOCK_HOLDER := lock.json plus "alive", or ''. U_LOCK_PID, U_LOCK_ALIVE.
lock_holder() {
  local info=''
  U_LOCK_HOLDER='' U_LOCK_PID='' U_LOCK_ALIVE=0
  [[ -f $U_LOCK_INFO ]] && info=$(<"$U_LOCK_INFO")
  info=${info//[$'\n\r']/}
  [[ $info == '{'*'}' ]] || return 1
  json_get U_LOCK_PID "$info" pid
  # A zombie (killed, not yet reaped) is not alive.
  [[ $U_LOCK_PID =~ ^[0-9]+$ && $(<"/proc/$U_LOCK_PID/stat") == *') '[^Z]' '* ]] 2>/dev/null && U_LOCK_ALIVE=1
  local alive
  json_b alive "$U_LOCK_ALIVE"
  U_LOCK_HOLDER="${info%\}},\"alive\":$alive}"
}

# lock_describe: one line naming the holder, for messages.
lock_describe() {
  local f v caller='' since='' branch='' commandId=''
  for f in caller since branch commandId; do
    json_get v "$U_LOCK_HOLDER" "$f"
    json_unq "$f" "$v"
  done
  printf '%s (pid %s, since %s, branch %s%s)' "${caller:-unknown caller}" "${U_LOCK_PID:-?}" "${since:-?}" \
    "${branch:-?}" "${commandId:+, command $commandId}"
}

# lock_acquire KIND ID BRANCH: take the deploy lock or return 1 (held: U_LOCK_HOLDER set) / 2 (error).
# A lock.json left by a dead holder is reported and taken over.
lock_acquire() {
  mkdir -p -- "$U_STATE" || return 2
  local rc=0
  lock_probe || rc=$?
  # Held, but not by a live run: something that looked is repairing an interrupted run: wait.
  if ((rc == 1)) && ! { lock_holder && ((U_LOCK_ALIVE)); }; then
    rc=0
    lock_probe 120 || rc=$?
  fi
  if ((rc != 0)); then
    ((rc == 1)) && lock_holder
    return "$rc"
  fi
  U_LOCKED=1
  lock_holder && repair_interrupted
  local kind=$1 id=$2 branch=$3 since info=''
  iso_now since
  json_fields info kind:kind id:id caller:UPSC_CALLER
  info+=",\"pid\":$$"
  json_fields info since:since branch:branch commandId:UPSC_COMMAND_ID
  printf '{%s}\n' "${info#,}" >"$U_LOCK_INFO.tmp" && mv -f -- "$U_LOCK_INFO.tmp" "$U_LOCK_INFO"
}

# lock_or_fail KIND BRANCH: lock_acquire for U_ID, or step_fail the lock step and return the
# exit code to finish with (6 when held, by a run or by an operator's hold).
lock_or_fail() {
  local rc=0
  lock_acquire "$1" "$U_ID" "$2" || rc=$?
  ((rc == 0)) && { hold_refuses || return 0; return "$RC_LOCKED"; }
  if ((rc == 1)); then
    step_fail lock "deploy lock held by $(lock_describe)" \
      'wait for it to finish (upsc lock status); a stuck lock: upsc lock release'
    return "$RC_LOCKED"
  fi
  step_fail lock "cannot open the lock file $U_LOCK_FILE" "check that $U_STATE is writable by root"
  return "$RC_FAILED"
}

# lock_release: remove lock.json if it is still ours, then drop the lock.
lock_release() {
  ((U_LOCKED)) || return 0
  local info='' pid
  [[ -f $U_LOCK_INFO ]] && info=$(<"$U_LOCK_INFO")
  json_get pid "$info" pid
  [[ $pid == "$$" ]] && rm -f -- "$U_LOCK_INFO"
  flock -u 9 2>/dev/null
  exec 9>&-
  U_LOCKED=0
}

# ------------------------------------------------------------------ operator hold
# UPSC_HOME/hold.json, written by `upsc lock acquire` (lock.sh): while it is there and not expired,
# deploys and rollbacks refuse. {"message","caller","since","expiresAt","expires"(epoch s),"commandId"}

# hold_read: U_HOLD := hold.json when in force, else '' (return 1).
hold_read() {
  local exp
  U_HOLD=''
  [[ -f $U_STATE/hold.json ]] && U_HOLD=$(<"$U_STATE/hold.json")
  U_HOLD=${U_HOLD//[$'\n\r']/}
  json_get exp "$U_HOLD" expires
  [[ $U_HOLD == '{'*'}' ]] && ! [[ $exp =~ ^[0-9]+$ && $exp -le $EPOCHSECONDS ]] && return 0
  U_HOLD=''
  return 1
}

# hold_describe: who holds deploys, since when, until when, and why.
hold_describe() {
  local f v caller since expiresAt message
  for f in caller since expiresAt message; do
    json_get v "$U_HOLD" "$f"
    json_unq "$f" "$v"
  done
  printf '%s since %s%s: %s' "${caller:-unknown caller}" "${since:-?}" "${expiresAt:+ until $expiresAt}" "$message"
}

# hold_refuses: with the lock taken, fail the lock step when an operator holds deploys.
hold_refuses() {
  hold_read || return 1
  U_LOCK_HOLDER=$U_HOLD
  step_fail lock "deploys are held by $(hold_describe)" 'wait until it is lifted, or lift it: upsc lock release'
}

# ------------------------------------------------------------------ interrupted runs
# repair_interrupted: the lock is ours and U_LOCK_HOLDER is the lock.json of a run that died holding
# it (SIGKILL, reboot, power loss: no trap ran). Record that run as interrupted (once) and put the
# checkout and image tags back on what runs (current.json). If it had begun to start its version
# (current.json has its id), that version is unverified: go back to the newest succeeded deployment
# and start it again. 1 when Docker was not there for the tags.
# U_REPAIR_OUTCOME and U_REPAIR_WHY, when set, replace the record's outcome and reason.
repair_interrupted() {
  local h=$U_LOCK_HOLDER kind id branch since run cur='' up=0 k ob=''
  for k in kind id branch since; do
    json_get "$k" "$h" "$k"
    json_unq "$k" "${!k}"
  done
  warn "interrupted: $(lock_describe) died holding the deploy lock"
  U_REPAIRED=$id
  running_commit run
  [[ -f $U_CURRENT ]] && cur=$(<"$U_CURRENT")
  if [[ $cur == *"\"id\":\"$id\""* ]]; then
    up=1 R_COMMIT=$run
    succeeded_commits 1
    if [[ -n ${U_OK_COMMITS[0]:-} ]]; then
      run=${U_OK_COMMITS[0]}
      json_get ob "${U_OK_LINES[0]}" branch
      json_unq ob "$ob"
    fi
  fi
  if [[ $kind == deploy || $kind == rollback ]] && ! tail -n 50 -- "$U_HISTORY" 2>/dev/null | grep -qF "{\"id\":\"$id\","; then
    # Unset R_* (first record of this process) are written null/false.
    R_ID=$id R_KIND=$kind R_BRANCH=$branch R_PREV=$run R_STARTED=$since R_START_US=''
    R_REASON=${U_REPAIR_WHY:-died without finishing (killed, or a reboot)}
    record_write "${U_REPAIR_OUTCOME:-interrupted}" 0 0
  fi
  is_sha "$run" || return 0
  ((up)) && set_current "$run" "$ob" "$id"
  # A git killed mid-checkout leaves its index lock; the dead run was the one using it.
  rm -f -- "$U_APP/.git/index.lock"
  checkout_commit "$run" 2>/dev/null
  docker_ready || wait_docker || return 1
  project_images && images_retag "$run" restore
  ((!up)) || run_child compose up -d --remove-orphans --no-build
}

# repair_if_interrupted: for what only looks (status, lock status, the monitor): if a dead run left
# its lock.json and nobody holds the lock, repair now (a deploy starting meanwhile waits for it).
# Without a lock.json there is nothing to repair: the lock is not even tried.
repair_if_interrupted() {
  [[ -f $U_LOCK_INFO ]] && lock_probe || return 0
  U_LOCKED=1
  local UPSC_DOCKER_WAIT_SECONDS=10
  lock_holder && repair_interrupted && rm -f -- "$U_LOCK_INFO"
  lock_release
}

# ------------------------------------------------------------------ history
# UPSC_HOME/deployments.jsonl: one JSON object per line, one line per attempt, appended (never
# rewritten) with a single write and fsync. Every record ends with ,"schema":1} so that a line torn
# by a power loss is recognised: see record_complete. Before an append (under the deploy lock) a
# file holding UPSC_HISTORY_ROTATE_LINES (1000) lines is renamed, whole, to deployments.<seq>.jsonl
# and a new file starts. No file is ever edited or deleted; every read goes through all of them,
# newest first, stopping as soon as it has its answer.

# record_complete LINE: 0 when LINE is a whole record.
record_complete() { [[ $1 == '{'* && $1 == *',"schema":1}' ]]; }

# record_append JSON: append one record (on a new line even after a torn one), fsync, print it.
record_append() {
  local pre=''
  mkdir -p -- "$U_STATE"
  history_rotate
  if [[ -s $U_HISTORY && -n $(tail -c 1 -- "$U_HISTORY") ]]; then pre=$'\n'; fi
  if printf '%s%s\n' "$pre" "$1" | redact "$U_TMP/secrets" >>"$U_HISTORY"; then
    sync -d -- "$U_HISTORY" 2>/dev/null || sync
  else
    warn "could not append the deployment record to $U_HISTORY"
  fi
  printf '%s record %s\n' "$U_MARK" "$1"
}

# history_rotate: rename deployments.jsonl to the next deployments.<seq>.jsonl (never overwriting)
# once it holds UPSC_HISTORY_ROTATE_LINES lines.
history_rotate() {
  local last=0 f n max
  setting_int max UPSC_HISTORY_ROTATE_LINES 1000
  [[ -f $U_HISTORY ]] && n=$(wc -l <"$U_HISTORY") && ((n >= max)) || return 0
  history_files
  f=${U_HFILES[1]-}
  n=${f##*/deployments.}
  n=${n%.jsonl}
  [[ $n =~ ^[0-9]{1,9}$ ]] && last=$((10#$n))
  printf -v f '%s/deployments.%06d.jsonl' "$U_STATE" $((last + 1))
  if ! mv -n -- "$U_HISTORY" "$f" || [[ -e $U_HISTORY ]]; then warn "could not rotate $U_HISTORY to $f"; fi
}

# record_write OUTCOME FROM TO: append the record of an attempt: the steps FROM..TO-1 and the R_*
# variables R_ID R_KIND R_BRANCH R_COMMIT R_PREV R_STARTED R_START_US (empty: duration null)
# R_FAILED_STEP R_REASON, and optionally R_ROLLED_BACK_TO R_AUTO R_REBUILT (true/false), R_EXTRA (,"k":v...).
record_write() {
  local dur=null steps rec=''
  [[ -n $R_START_US ]] && tenths_since dur "$R_START_US"
  steps_object steps "$2" "$3"
  iso_now R_FINISHED
  R_OUTCOME=$1 R_REASON=${R_REASON:0:1000}
  json_fields rec id:R_ID kind:R_KIND branch:R_BRANCH commit:R_COMMIT previousCommit:R_PREV \
    startedAt:R_STARTED finishedAt:R_FINISHED
  rec+=",\"durationSeconds\":$dur,\"steps\":$steps"
  json_fields rec outcome:R_OUTCOME failedStep:R_FAILED_STEP reason:R_REASON rolledBackTo:R_ROLLED_BACK_TO
  rec+=",\"auto\":${R_AUTO:-false},\"rebuilt\":${R_REBUILT:-false}"
  json_fields rec caller:UPSC_CALLER commandId:UPSC_COMMAND_ID toolVersion:UPSC_TOOL_VERSION hostname:U_HOSTNAME
  rec+=${R_EXTRA:-}
  [[ -z ${R_COLOUR:-} ]] || json_fields rec colour:R_COLOUR # blueGreen: the colour that went live
  record_append "{${rec#,},\"schema\":1}"
}

# history_files: U_HFILES := the history files, newest first: deployments.jsonl, then the rotated
# deployments.<seq>.jsonl, highest seq first.
history_files() {
  local f old=()
  U_HFILES=()
  [[ -f $U_HISTORY ]] && U_HFILES+=("$U_HISTORY")
  for f in "$U_STATE"/deployments.[0-9]*.jsonl; do [[ -f $f ]] && old=("$f" "${old[@]}"); done
  U_HFILES+=("${old[@]}")
}

# history_newest: every line of the history, newest first. Each file gets a final newline, so a
# torn last line never joins the line before it.
history_newest() {
  local f
  history_files
  for f in "${U_HFILES[@]}"; do { cat -- "$f" 2>/dev/null; printf '\n'; } | tac; done
}

# history_count: U_TOTAL := the complete records, U_SKIPPED := torn lines, in every history file.
history_count() {
  local all
  history_files
  U_TOTAL=0 U_SKIPPED=0
  ((${#U_HFILES[@]})) || return 0
  U_TOTAL=$(cat -- "${U_HFILES[@]}" | grep -c '^{.*,"schema":1}$')
  all=$(cat -- "${U_HFILES[@]}" | grep -c '[^[:space:]]')
  U_SKIPPED=$((all - U_TOTAL))
}

# succeeded_commits MAX: U_OK_COMMITS := the commits of the newest MAX distinct succeeded
# deployments/rollbacks, newest first, U_OK_LINES := the newest record of each (the history is
# read no further).
succeeded_commits() {
  local line outcome commit seen=' '
  U_OK_COMMITS=() U_OK_LINES=()
  while ((${#U_OK_COMMITS[@]} < $1)) && IFS= read -r line; do
    record_complete "$line" || continue
    json_get outcome "$line" outcome
    [[ $outcome == '"succeeded"' ]] || continue
    json_get commit "$line" commit
    json_unq commit "$commit"
    if ! is_sha "$commit" || [[ $seen == *" $commit "* ]]; then continue; fi
    seen+="$commit "
    U_OK_COMMITS+=("$commit") U_OK_LINES+=("$line")
  done < <(history_newest)
}

# rollback_default RUNNING: THE rollback-target rule (upsc rollback shows what it picks, rollback.sh
# and the automatic rollback of deploy.sh use it): the newest succeeded deployment or rollback
# whose commit is not RUNNING. RUNNING is running_commit's answer (current.json, else the
# checkout's HEAD); when it is empty, the newest succeeded record. Reads two succeeded commits at
# most. Sets what target_set sets, or U_TARGET_PROBLEM and returns 1.
rollback_default() {
  local i
  succeeded_commits 2
  for i in "${!U_OK_COMMITS[@]}"; do
    [[ ${U_OK_COMMITS[i]} == "$1" ]] || {
      target_set "${U_OK_LINES[i]}"
      return 0
    }
  done
  U_TARGET_PROBLEM="nothing to roll back to: no succeeded deployment other than the running commit ${1:0:12}"
  return 1
}

# target_set RECORD: U_TARGET_LINE, U_TARGET_ID, U_COMMIT, U_BRANCH := the record and its fields.
target_set() {
  U_TARGET_LINE=$1
  json_get U_TARGET_ID "$1" id
  json_unq U_TARGET_ID "$U_TARGET_ID"
  json_get U_COMMIT "$1" commit
  json_unq U_COMMIT "$U_COMMIT"
  json_get U_BRANCH "$1" branch
  json_unq U_BRANCH "$U_BRANCH"
}

# rollback_target RUNNING [TO]: rollback_default without TO. TO names the target: the deployment
# with that id (it must have succeeded), else the succeeded record of the one commit TO (a commit
# or a unique prefix) names; refused when it is RUNNING. Sets what target_set sets, or
# U_TARGET_PROBLEM and returns 1.
rollback_target() {
  local run=$1 to=${2:-} want line id outcome commit seen=' ' match='' n=0
  U_TARGET_PROBLEM=''
  [[ -n $to ]] || {
    rollback_default "$run"
    return
  }
  json_q want "$to"
  while IFS= read -r line; do
    record_complete "$line" || continue
    json_get id "$line" id
    json_get outcome "$line" outcome
    json_get commit "$line" commit
    json_unq commit "$commit"
    if [[ $id == "$want" ]]; then
      if [[ $outcome != '"succeeded"' ]] || ! is_sha "$commit"; then
        U_TARGET_PROBLEM="deployment $to did not succeed (outcome ${outcome//\"/}): it is not a rollback target"
        return 1
      fi
      match=$line n=1
      break
    fi
    if [[ $outcome == '"succeeded"' ]] && is_sha "$commit" && valid_ref "$to" && [[ $commit == "${to,,}"* && $seen != *" $commit "* ]]; then
      seen+="$commit "
      n=$((n + 1))
      [[ -n $match ]] || match=$line
    fi
  done < <(history_newest)
  if ((n != 1)); then
    U_TARGET_PROBLEM="$to matches $n deployed commits: give more digits of the commit, or the deployment id"
    ((n)) || U_TARGET_PROBLEM="unknown rollback target $to: no succeeded deployment has that id or commit"
    return 1
  fi
  target_set "$match"
  [[ $U_COMMIT != "$run" ]] || {
    U_TARGET_PROBLEM="${U_COMMIT:0:12} is already the running commit"
    return 1
  }
}

# running_commit VAR: VAR := the commit the stack was last started from (current.json), else HEAD.
running_commit() {
  local _rc_info='' _rc_c=''
  [[ -f $U_CURRENT ]] && _rc_info=$(<"$U_CURRENT")
  json_get _rc_c "$_rc_info" commit
  json_unq _rc_c "$_rc_c"
  is_sha "$_rc_c" || head_commit _rc_c
  printf -v "$1" '%s' "$_rc_c"
}

# set_current SHA BRANCH ID: remember what the stack runs (written before each `up`).
set_current() {
  local commit=$1 branch=$2 id=$3 since info=''
  iso_now since
  json_fields info commit:commit branch:branch id:id since:since
  mkdir -p -- "$U_STATE"
  printf '{%s}\n' "${info#,}" >"$U_CURRENT.tmp" && mv -f -- "$U_CURRENT.tmp" "$U_CURRENT"
}

# ------------------------------------------------------------------ switching versions (deploy, rollback)
# switch_to SHA BRANCH PREFIX: check out SHA, reuse its upsc-<sha> images (rebuild only when they
# are gone), start it and run the health gate. Steps are named PREFIX{checkout,restore,build,tag,up,health}.
# Returns 0 healthy, 1 failed (U_REASON etc. set by step_fail).
switch_to() {
  local sha=$1 branch=$2 p=$3 subject
  U_REBUILT=0
  step_start "${p}checkout"
  if ! checkout_commit "$sha" 2>"$U_TMP/git.err"; then
    step_fail "${p}checkout" "git checkout ${sha:0:12} failed: $(git_err "$U_TMP/git.err")" \
      'deploy it again (upsc deploy --ref)'
    return 1
  fi
  subject=$(git_app log -1 --format=%s "$sha" 2>/dev/null)
  step_ok "${p}checkout" "${sha:0:12} $subject"

  step_start "${p}restore"
  if ! project_images; then
    step_fail "${p}restore" "$U_REASON" 'check the compose file of that commit'
    return 1
  fi
  if images_retag "$sha" restore; then
    step_ok "${p}restore" "reused $U_RETAGGED images tagged upsc-${sha:0:12}"
  else
    step_ok "${p}restore" "missing upsc-${sha:0:12} images: ${U_RETAG_MISSING[*]}"
    warn "images tagged upsc-${sha:0:12} are missing (${U_RETAG_MISSING[*]}): rebuilding them"
    U_REBUILT=1
    step_start "${p}build"
    if ! build_images; then
      step_fail "${p}build" "build of ${sha:0:12} failed" 'see the build output above'
      return 1
    fi
    step_ok "${p}build"
    images_retag "$sha" save
  fi

  U_PHASE=up
  set_current "$sha" "$branch" "$U_ID"
  step_start "${p}up"
  if ! run_child compose up -d --remove-orphans --no-build; then
    step_fail "${p}up" 'docker compose up failed' 'see the compose output above'
    return 1
  fi
  step_ok "${p}up"

  step_start "${p}health"
  if ! health_gate; then
    step_fail "${p}health" "$U_GATE_REASON" 'see the failing checks and service logs above'
    return 1
  fi
  step_ok "${p}health" "$U_HC_N checks passed"
}

# retention KEEP_N CURRENT: keep the upsc-<sha> images of the last KEEP_N succeeded
# deployments (CURRENT counts as the newest); never those of CURRENT or of the rollback target (the
# newest other succeeded commit). Needs succeeded_commits and project_images.
retention() {
  local n=$1 keep=' ' c img tags tag removed=0 kept=1
  keep+="${2:0:12} "
  for c in "${U_OK_COMMITS[@]}"; do
    [[ ${c:0:12} == "${2:0:12}" ]] && continue
    keep+="${c:0:12} "
    kept=$((kept + 1))
    break
  done
  for c in "${U_OK_COMMITS[@]}"; do
    ((kept < n)) || break
    [[ $keep == *" ${c:0:12} "* ]] && continue
    keep+="${c:0:12} "
    kept=$((kept + 1))
  done
  for img in "${U_IMAGES[@]}"; do
    image_split "$img"
    tags=$(docker image ls --format '{{.Tag}}' --filter "reference=$U_REPO:upsc-*" 2>/dev/null) || continue
    while IFS= read -r tag; do
      [[ $tag == upsc-* && $keep != *" ${tag#upsc-} "* ]] || continue
      # U_DRY=1 (prune --dry-run): count, remove nothing. U_RM_TAGS: what went.
      ((${U_DRY:-0})) || docker image rm "$U_REPO:$tag" >/dev/null 2>&1 || continue
      removed=$((removed + 1)) U_RM_TAGS+=("$U_REPO:$tag")
    done <<<"$tags"
  done
  U_RETENTION_DETAIL="kept the images of $kept commits, removed $removed tags"
}

# ------------------------------------------------------------------ results
# result_line KIND CODE OUTCOME EXTRA_JSON_FIELDS: print the final `::upsc result` line of a
# deploy or rollback.
result_line() {
  local steps dur out='' kind=$1 outcome=$3
  steps_array steps
  tenths_since dur "$U_START_US"
  json_fields out kind:kind id:U_ID outcome:outcome
  out+=",\"exitCode\":$2"
  json_fields out branch:U_BRANCH commit:U_COMMIT previousCommit:U_PREV rolledBackTo:U_ROLLED_BACK_TO
  out+=",\"steps\":$steps,\"healthChecks\":${U_RESULT_HC:-[]}"
  json_fields out failedStep:U_FAILED_STEP reason:U_REASON advice:U_ADVICE
  printf '%s result {"schema":1%s,"durationSeconds":%s%s}\n' "$U_MARK" "$out" "$dur" "${4:+,$4}"
}

# usage_fail MESSAGE: an invalid setting reached the host: fail the validate step, exit 2.
usage_fail() {
  step_fail validate "$1" 'the CLI should have refused it: please report this'
  "${U_KIND}_finish" "$RC_USAGE" failed
}

# new_id VAR KIND: VAR := UPSC_DEPLOY_ID (from the CLI) or a generated id.
new_id() {
  if [[ -n ${UPSC_DEPLOY_ID:-} ]] && valid_id "$UPSC_DEPLOY_ID"; then
    printf -v "$1" '%s' "$UPSC_DEPLOY_ID"
  else
    printf -v "$1" '%s-%(%Y%m%dT%H%M%SZ)T-%04x%04x' "$2" -1 "$RANDOM" "$RANDOM"
  fi
}
