# shellcheck shell=bash
# monitor.sh: run by upscpro-monitor.timer every few minutes (through upsc-run). Looks at the Docker
# daemon, the compose services and the stage's health checks. When something is down or unhealthy
# it looks again after UPSC_MONITOR_GRACE_SECONDS (default 10: a blip is not restarted), then, under
# the deploy lock (a deploy holding it wins: nothing is done), restarts what is still bad: Docker
# when it does not answer, exited or missing containers (`compose up -d --no-build`), unhealthy
# ones and those of failing checks (`compose restart`; a failing check by URL: every service). It
# counts the restarts, then runs the health gate. "starting" containers are left alone.
# Result: UPSC_HOME/monitor.json, one line:
#   {"schema":1,"checkedAt","outcome":"healthy|recovered|unhealthy|skipped|idle","detail",
#    "restarted":[...],"restarts":{"<service>|docker|stack":N},"totalRestarts":N,"lastRestartAt",
#    "healthChecks":[...],"restarts24h":{"<service>":N},"lastRecoveryAt","openIncidents":[...],"instanceId"}
# Exit 1 only when the stack is still unhealthy after the restarts.
# Globals here are also read by lib.sh (SC2034).
# shellcheck disable=SC2034
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"
# shellcheck source-path=SCRIPTDIR source=signals.sh
. "${BASH_SOURCE[0]%/*}/signals.sh"

# monitor_look: M_BAD := what needs a restart (docker, stack, or services), M_WHY := why.
monitor_look() {
  local i s
  M_BAD=() M_WHY=() U_HC_JSON='[]'
  if ! docker_ready; then
    M_BAD=(docker) M_WHY=("docker: $U_DOCKER_ERR")
    return
  fi
  hc_run_all
  M_WHY=("${U_HC_FAILED[@]}")
  if ! services_read || ((${#U_SVC_ID[@]} == 0)); then
    M_BAD=(stack) M_WHY+=("no container${U_SVC_ERR:+: $U_SVC_ERR}")
    return
  fi
  for i in "${!U_SVC_ID[@]}"; do
    s=${U_SVC_STATE[i]}
    [[ $s == running && ${U_SVC_HEALTH[i]} != unhealthy || $s == exited && ${U_SVC_STATUS[i]} == *'(0)'* ]] && continue
    M_BAD+=("${U_SVC_NAME[i]}") M_WHY+=("${U_SVC_NAME[i]}: $s ${U_SVC_HEALTH[i]}")
  done
  M_BAD+=("${U_HC_FAIL_SVCS[@]}")
  # A failing check by URL names no service: the whole stack.
  ((${#U_HC_FAILED[@]} > ${#U_HC_FAIL_SVCS[@]})) && M_BAD=(stack)
  return 0
}

# monitor_finish OUTCOME DETAIL CODE: write the restart counts and monitor.json, say it, exit.
monitor_finish() {
  local out='' name q restarts='' total=0 restarted='' at outcome=$1 detail=$2
  for name in "${!M_COUNT[@]}"; do
    json_q q "$name"
    restarts+="${restarts:+,}$q:${M_COUNT[$name]}" total=$((total + M_COUNT[$name]))
    printf '%s %s\n' "${M_COUNT[$name]}" "$name"
  done >"$M_COUNTS"
  for name in "${M_RESTARTED[@]}"; do
    json_q q "$name"
    restarted+="${restarted:+,}$q"
  done
  # Alerts, metrics and the restart log (signals.sh): M_EXTRA.
  sig_monitor "$outcome"
  iso_now at
  json_fields out checkedAt:at outcome:outcome detail:detail
  out+=",\"restarted\":[$restarted],\"restarts\":{$restarts},\"totalRestarts\":$total"
  json_fields out lastRestartAt:M_LAST
  printf '{"schema":1%s,"healthChecks":%s%s}\n' "$out" "$U_HC_JSON" "$M_EXTRA" >"$M_RESULT.tmp" && mv -f -- "$M_RESULT.tmp" "$M_RESULT"
  say "Monitor: $1${2:+: $2}"
  exit "$3"
}

# monitor_prune: with UPSC_PRUNE_LOW_DISK_PERCENT set and free disk below it, run prune.sh (it takes
# the deploy lock itself, so it waits for no deploy); one line in the log says what it freed.
monitor_prune() {
  local min out fields free total
  setting_int min UPSC_PRUNE_LOW_DISK_PERCENT 0
  ((min > 0)) || return 0
  out=$(df -P -B1 -- "$U_APP" 2>/dev/null) || return 0
  read -r -a fields <<<"${out##*$'\n'}"
  total=${fields[1]-0} free=${fields[3]-0}
  [[ $total =~ ^[1-9][0-9]*$ && $free =~ ^[0-9]+$ ]] && ((free * 100 / total < min)) || return 0
  say "Free disk below ${min}%: pruning"
  out=$(bash "${BASH_SOURCE[0]%/*}/prune.sh" 2>&1)
  say "Prune: ${out##*::upsc result }"
}

monitor_main() {
  exec 2>&1
  upsc_init
  repair_if_interrupted
  hc_load
  new_id U_ID monitor
  M_RESULT=$U_STATE/monitor.json M_COUNTS=$U_STATE/monitor.counts M_LAST='' M_RESTARTED=() U_HC_JSON='[]'
  declare -gA M_COUNT=()
  local n name what grace
  [[ -f $M_RESULT ]] && json_get M_LAST "$(<"$M_RESULT")" lastRestartAt && json_unq M_LAST "$M_LAST"
  [[ -f $M_COUNTS ]] && while read -r n name; do [[ $n =~ ^[0-9]+$ ]] && M_COUNT[$name]=$n; done <"$M_COUNTS"
  monitor_prune
  [[ -f $U_CURRENT ]] || monitor_finish idle 'nothing deployed on this host yet' 0
  # blueGreen (bluegreen.sh): the live colour and the proxy are watched and healed there.
  [[ ${UPSC_STRATEGY:-} == blueGreen ]] && bg_monitor
  monitor_look
  ((${#M_BAD[@]})) || monitor_finish healthy '' 0
  say "Unhealthy: ${M_WHY[*]}"
  lock_acquire monitor "$U_ID" '' || monitor_finish skipped "a deploy holds the lock: $(lock_describe)" 0
  setting_ms grace UPSC_MONITOR_GRACE_SECONDS 10000
  sleep_ms "$grace"
  monitor_look
  ((${#M_BAD[@]})) || monitor_finish healthy 'recovered without a restart' 0
  for what in "${M_BAD[@]}"; do
    [[ " ${M_RESTARTED[*]} " == *" $what "* ]] && continue
    say "Restarting $what"
    case $what in
      docker) wait_docker || { systemctl restart docker && wait_docker; } ;;
      stack) run_child compose restart ;;
      *) run_child compose restart "$what" ;;
    esac
    M_RESTARTED+=("$what") M_COUNT[$what]=$((${M_COUNT[$what]:-0} + 1))
  done
  iso_now M_LAST
  # Containers that are gone or exited (also after a Docker restart) are started again.
  run_child compose up -d --no-build --remove-orphans
  health_gate && monitor_finish recovered "restarted ${M_RESTARTED[*]}" 0
  monitor_finish unhealthy "restarted ${M_RESTARTED[*]}; still failing: $U_GATE_REASON" 1
}

monitor_main
