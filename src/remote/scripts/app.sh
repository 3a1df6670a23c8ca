# shellcheck shell=bash
# app.sh: restart, stop or start the app's services (all, or UPSC_APP_SERVICE_1..COUNT) through the
# deploy lock, with the health gate after start and restart; recorded in history (kind "app").
# UPSC_APP_ACTION = restart | stop | start. Exit codes as deploy.sh (0, 1, 2, 6, 130).
# Globals here are set by lib.sh (SC2153).
# shellcheck disable=SC2153
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

# app_record OUTCOME: the history record of this action. Its commit stays null (what runs is
# "runningCommit"), so that it is never taken for a deployment (rollback target, retention).
app_record() {
  local running
  json_qn running "$U_COMMIT"
  record_write "$1" 0 "${#U_STEP_NAMES[@]}" "$U_ID" app "$U_BRANCH" '' '' "$U_STARTED" "$U_START_US" \
    "$U_FAILED_STEP" "$U_REASON" '' false false "$U_APP_EXTRA,\"runningCommit\":$running"
}

# app_finish CODE OUTCOME: the result line, then exit.
app_finish() {
  local lock=null
  [[ -n $U_LOCK_HOLDER && $1 == "$RC_LOCKED" ]] && lock=$U_LOCK_HOLDER
  result_line app "$1" "$2" "${U_APP_EXTRA#,},\"lock\":$lock"
  exit "$1"
}

app_main() {
  exec 2>&1
  upsc_init
  now_us U_START_US
  iso_now U_STARTED
  U_KIND=app U_BRANCH='' U_COMMIT='' U_PREV='' U_ROLLED_BACK_TO='' U_RESULT_HC='[]'
  new_id U_ID app
  local action=${UPSC_APP_ACTION:-} n i v svcs=() list=''
  U_APP_EXTRA=",\"action\":$(json_str "$action"),\"services\":[]"
  stop_on_signals true app_record app_finish 'the services may be partly restarted: see upsc app ps'
  setting_int n UPSC_APP_SERVICE_COUNT 0
  for ((i = 1; i <= n; i++)); do
    v=UPSC_APP_SERVICE_$i
    valid_service "${!v-}" || usage_fail "$v is not a compose service name"
    svcs+=("${!v}")
    list+="${list:+,}$(json_str "${!v}")"
  done
  U_APP_EXTRA=",\"action\":$(json_str "$action"),\"services\":[$list]"
  [[ $action =~ ^(restart|stop|start)$ ]] || usage_fail 'UPSC_APP_ACTION must be restart, stop or start'

  step_start lock
  lock_or_fail app '' || app_finish "$?" failed
  step_ok lock
  running_commit U_COMMIT

  step_start docker
  if ! wait_docker; then
    step_fail docker "Docker did not become ready within ${UPSC_DOCKER_WAIT_SECONDS:-120}s: $U_DOCKER_ERR" 'see systemctl status docker (upsc ssh)'
    app_record failed
    app_finish "$RC_FAILED" failed
  fi
  step_ok docker "server $U_DOCKER_VERSION"

  U_PHASE=up
  step_start "$action"
  if ! run_child compose "$action" "${svcs[@]}"; then
    step_fail "$action" "docker compose $action failed" 'see the compose output above; a service with no container needs upsc deploy'
    app_record failed
    app_finish "$RC_FAILED" failed
  fi
  step_ok "$action" "${svcs[*]:-all services}"

  if [[ $action != stop ]]; then
    step_start health
    if ! health_gate; then
      U_RESULT_HC=${U_HC_JSON:-[]}
      step_fail health "$U_GATE_REASON" 'see the failing checks and service logs above; upsc rollback if the version is at fault'
      app_record failed
      app_finish "$RC_FAILED" failed
    fi
    U_RESULT_HC=$U_HC_JSON
    step_ok health "$U_HC_N checks passed"
  fi
  app_record succeeded
  app_finish "$RC_OK" succeeded
}

app_main
