# shellcheck shell=bash
# ------------------------------------------------------------------ results
# result_line KIND CODE OUTCOME EXTRA_JSON_FIELDS: print the final `::upsc result` line of a
# deploy or rollback.
result_line() {
  local steps dur out=''
  steps_array steps
  tenths_since dur "$U_START_US"
  json_kv out kind "$1" id "${U_ID-}" outcome "$3"
  out+=",\"exitCode\":$2"
  json_kv out branch "${U_BRANCH-}" commit "${U_COMMIT-}" previousCommit "${U_PREV-}" rolledBackTo "${U_ROLLED_BACK_TO-}"
  out+=",\"steps\":$steps,\"healthChecks\":${U_RESULT_HC:-[]}"
  json_kv out failedStep "$U_FAILED_STEP" reason "$U_REASON" advice "$U_ADVICE"
  printf '%s result {"schema":1%s,"durationSeconds":%s%s}\n' "$U_MARK" "$out" "$dur" "${4:+,$4}"
}

# usage_fail MESSAGE: an invalid setting reached the host: fail the validate step, exit 2 through
# the run's finish (the one stop_on_signals was given).
usage_fail() {
  step_fail validate "$1" 'the CLI should have refused it: please report this'
  "${U_SIG_FINISH:-${U_KIND}_finish}" "$RC_USAGE" failed
}

# new_id VAR KIND: VAR := UPSC_DEPLOY_ID (from the CLI) or a generated id.
new_id() {
  if [[ -n ${UPSC_DEPLOY_ID:-} ]] && valid_id "$UPSC_DEPLOY_ID"; then
    printf -v "$1" '%s' "$UPSC_DEPLOY_ID"
  else
    printf -v "$1" '%s-%(%Y%m%dT%H%M%SZ)T-%04x%04x' "$2" -1 "$RANDOM" "$RANDOM"
  fi
}
