# shellcheck shell=bash
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
# shellcheck disable=SC2034 # U_HC_*: its results, read by the entry scripts and bluegreen.sh
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
# shellcheck disable=SC2034 # U_GATE_REASON: read by the callers of health_gate
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
