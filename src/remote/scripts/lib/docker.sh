# shellcheck shell=bash
# ------------------------------------------------------------------ docker
U_DOCKER_UP=0 U_DOCKER_VERSION='' U_DOCKER_ERR=''

# docker_ready: one `docker info`; sets U_DOCKER_UP, U_DOCKER_VERSION or U_DOCKER_ERR.
# shellcheck disable=SC2034 # U_DOCKER_*: its results, read by health.sh and the entry scripts
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
# shellcheck disable=SC2034 # U_SVC_*: its results, read by health.sh and the entry scripts
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
