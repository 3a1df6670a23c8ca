# shellcheck shell=bash
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
# shellcheck disable=SC2034 # U_FAILED_STEP, U_REASON, U_ADVICE: read by the result line and the record
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
