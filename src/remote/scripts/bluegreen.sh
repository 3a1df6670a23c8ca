# shellcheck shell=bash
# bluegreen.sh: the blueGreen strategy (docs/BLUE-GREEN.md). The services that face traffic run
# twice, as compose projects <project>-blue and <project>-green; nginx owns their public ports and
# routes to the live colour. Everything else keeps one copy in the main project. Bundled with
# lib.sh for deploy, rollback and probe when UPSC_BG_COUNT is set, and installed with it by the
# bootstrap. Entry points, each called by a one-line hook: bg_deploy (deploy.sh), bg_rollback_switch
# and bg_rollback (rollback.sh), bg_probe_checks and bg_status (probe.sh), bg_boot (boot.sh),
# bg_monitor (monitor.sh). Settings: UPSC_BG_* (REMOTE-CONTRACT.md).
# Globals here are also read by lib.sh and the entry scripts (SC2034), or set there (SC2153);
# $names in single quotes are nginx's or the reaper's own variables (SC2016).
# shellcheck disable=SC2034,SC2016,SC2153

# bg_init: U_BG_* := the traffic services (name, container port, public port) and the colour state.
bg_init() {
  local n i v
  setting_int n UPSC_BG_COUNT 0
  U_BG_SVC=() U_BG_PORT=() U_BG_PUB=()
  for ((i = 1; i <= n && i <= 20; i++)); do
    v=UPSC_BG_${i}_SERVICE
    valid_service "${!v-}" || usage_fail "$v is not a compose service name"
    U_BG_SVC+=("${!v}")
    v=UPSC_BG_${i}_PORT
    [[ ${!v-} =~ ^[0-9]{1,5}$ ]] || usage_fail "$v is not a port"
    U_BG_PORT+=("${!v}")
    v=UPSC_BG_${i}_PUBLIC_PORT
    [[ ${!v-} =~ ^[0-9]{1,5}$ ]] || usage_fail "$v is not a port"
    U_BG_PUB+=("${!v}")
  done
  ((${#U_BG_SVC[@]} > 0)) || usage_fail 'UPSC_BG_COUNT: blueGreen needs at least one traffic service'
  [[ ${UPSC_BG_LISTEN_HOST:-} =~ ^[0-9.]*$ ]] || usage_fail 'UPSC_BG_LISTEN_HOST is not an IPv4 address'
  U_BG_DIR=$U_STATE/bluegreen U_BG_PROXY=$U_STATE/proxy U_BG_MAIN=$U_PROJECT U_BG_MAIN_FILE=$U_CFILE
  U_BG_LIVE=''
  [[ -f $U_BG_DIR/live ]] && U_BG_LIVE=$(<"$U_BG_DIR/live")
  [[ $U_BG_LIVE == blue || $U_BG_LIVE == green ]] || U_BG_LIVE=''
  U_BG_IDLE=blue
  [[ $U_BG_LIVE == blue ]] && U_BG_IDLE=green
  U_BG_SWITCH_MS=''
}

# bg_use COLOUR: compose (and everything built on it: health_gate, hc_target) acts on that colour's
# project; '' = the main project.
bg_use() {
  U_PROJECT=$U_BG_MAIN U_CFILE=$U_BG_MAIN_FILE
  [[ -n $1 ]] || return 0
  U_PROJECT=$U_BG_MAIN-$1 U_CFILE=$U_BG_DIR/compose-$1.json
}

# bg_colour_commit VAR COLOUR: VAR := the commit the colour was last started from ('' if none).
bg_colour_commit() {
  local _bc=''
  [[ -f $U_BG_DIR/$2.commit ]] && _bc=$(<"$U_BG_DIR/$2.commit")
  is_sha "$_bc" || _bc=''
  printf -v "$1" '%s' "$_bc"
}

# bg_running COLOUR: 0 when every traffic service of the colour has a running container.
bg_running() {
  local i n=0
  bg_use "$1"
  [[ -f $U_CFILE ]] && services_read
  bg_use ''
  for i in "${!U_SVC_ID[@]}"; do [[ ${U_SVC_STATE[i]} == running ]] && n=$((n + 1)); done
  ((n >= ${#U_BG_SVC[@]}))
}

# bg_ports COLOUR: record the loopback port each traffic service of the started colour publishes.
bg_ports() {
  local i hp out=''
  for i in "${!U_BG_SVC[@]}"; do
    if ! hp=$(compose port "${U_BG_SVC[i]}" "${U_BG_PORT[i]}" 2>&1) || [[ ! ${hp##*:} =~ ^[0-9]+$ ]]; then
      U_REASON="no published port ${U_BG_PORT[i]} for ${U_BG_SVC[i]} in the $1 colour: ${hp//$'\n'/ }"
      return 1
    fi
    out+="${hp##*:}"$'\n'
  done
  printf '%s' "$out" >"$U_BG_DIR/$1.ports"
}

# bg_warm COLOUR: 0 when every traffic service of the colour answers HTTP on its recorded port.
bg_warm() {
  local p ports=()
  [[ -f $U_BG_DIR/$1.ports ]] && mapfile -t ports <"$U_BG_DIR/$1.ports"
  ((${#ports[@]} == ${#U_BG_SVC[@]})) || return 1
  for p in "${ports[@]}"; do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" || return 1
  done
}

# bg_compose_file COLOUR SHA: the colour's compose file (YAML in JSON's flow style): each traffic
# service extends the app's own, runs the upsc-<sha> image and publishes its port on an ephemeral
# loopback port only (`!override`, compose 2.24.4+, drops the app's own host ports, which the proxy
# owns); the colour joins the main project's network, so it reaches the shared services by name.
bg_compose_file() {
  local i img svcs='' f cf net
  json_q cf "$U_BG_MAIN_FILE"
  for i in "${!U_BG_SVC[@]}"; do
    img=$U_BG_MAIN-${U_BG_SVC[i]}:upsc-${2:0:12} f=''
    # A service built by compose runs its upsc-<sha> image; one with its own image keeps it.
    docker image inspect "$img" >/dev/null 2>&1 && f=",\"image\":\"$img\""
    svcs+="${svcs:+,}\"${U_BG_SVC[i]}\":{\"extends\":{\"file\":$cf,\"service\":\"${U_BG_SVC[i]}\"}$f"
    svcs+=",\"ports\":!override [\"127.0.0.1::${U_BG_PORT[i]}\"]}"
  done
  json_q net "${U_BG_MAIN}_default"
  printf '{"name":"%s","services":{%s},"networks":{"default":{"name":%s,"external":true}}}\n' \
    "$U_BG_MAIN-$1" "$svcs" "$net" >"$U_BG_DIR/compose-$1.json"
}

# bg_checks WANT FUNC: run FUNC (health_gate or hc_run_all) on the current compose project with only
# the checks of traffic services (WANT 0) or only the others (WANT 1), renumbered in a copy of the
# settings. U_HC_JSON, U_GATE_REASON and U_BG_FAILED (the failing checks) come back; the caller's
# settings stay as they are.
bg_checks() {
  local n i j=0 k want=$1 v svc rc
  setting_int n UPSC_HC_COUNT 0
  local -a saved=()
  for ((i = 1; i <= n; i++)); do
    v=UPSC_HC_${i}_SERVICE svc=${!v-}
    rc=1
    [[ -n $svc ]] && bg_is_traffic "$svc" && rc=0
    ((rc == want)) || continue
    j=$((j + 1))
    for k in NAME URL SERVICE PORT PATH EXPECT; do
      v=UPSC_HC_${i}_$k
      saved+=("UPSC_HC_${j}_$k=${!v-}")
    done
  done
  (
    export UPSC_HC_COUNT=$j
    for v in "${saved[@]}"; do export "${v%%=*}=${v#*=}"; done
    U_HC_JSON='[]'
    if [[ $2 == hc_run_all ]]; then hc_load; ((U_HC_N == 0)) || hc_run_all; else "$2"; fi
    rc=$?
    local IFS=';'
    printf '%s\n%s\n%s\n' "$U_HC_JSON" "${U_GATE_REASON:-}" "${U_HC_FAILED[*]}" >"$U_TMP/bg-checks.$want"
    exit "$rc"
  )
  rc=$?
  { IFS= read -r U_HC_JSON; IFS= read -r U_GATE_REASON; IFS= read -r U_BG_FAILED; } <"$U_TMP/bg-checks.$want"
  return "$rc"
}

# bg_is_traffic SERVICE: 0 when SERVICE is one of the traffic services.
bg_is_traffic() { [[ " ${U_BG_SVC[*]} " == *" $1 "* ]]; }

# bg_start COLOUR SHA STEP_PREFIX: start the colour from the upsc-<sha> images and health-gate it
# directly. On failure the colour is stopped again.
bg_start() {
  local c=$1 sha=$2 p=$3
  step_start "${p}start"
  bg_compose_file "$c" "$sha"
  bg_use "$c"
  if ! run_child compose up -d --no-deps --no-build --force-recreate "${U_BG_SVC[@]}" || ! bg_ports "$c"; then
    bg_stop "$c"
    step_fail "${p}start" "the $c colour did not start${U_REASON:+: $U_REASON}" 'see the compose output above'
    return 1
  fi
  printf '%s\n' "$sha" >"$U_BG_DIR/$c.commit"
  step_ok "${p}start" "$c: ${U_BG_SVC[*]} on ${sha:0:12}"
  step_start "${p}gate"
  if ! bg_checks 0 health_gate; then
    bg_stop "$c"
    step_fail "${p}gate" "$U_GATE_REASON" "no traffic reached ${sha:0:12}: the $c colour was stopped"
    return 1
  fi
  bg_use ''
  U_BG_HC=$U_HC_JSON
  step_ok "${p}gate" "$c is healthy"
}

# bg_stop COLOUR: stop the colour's containers (kept for their logs).
bg_stop() {
  bg_use "$1"
  [[ -f $U_CFILE ]] && compose stop "${U_BG_SVC[@]}" >/dev/null 2>&1
  bg_use ''
}

# ------------------------------------------------------------------ the proxy (nginx)
# bg_nginx ARGS...: nginx with this host's own config, prefix and error log.
bg_nginx() { nginx -p "$U_BG_PROXY" -c "$U_BG_PROXY/nginx.conf" -e "$U_BG_PROXY/error.log" "$@"; }

# bg_closefds: close every descriptor above 2 in this (sub)shell, so that a daemon started from it
# (nginx, the reaper) holds no pipe of the caller open (the Run Command's, the user-data's log).
bg_closefds() {
  local fd n
  for fd in /proc/"$BASHPID"/fd/*; do
    n=${fd##*/}
    ((n > 2)) && exec {n}>&-
  done 2>/dev/null
}

# bg_proxy_alive: 0 when the proxy's master process runs.
bg_proxy_alive() {
  local pid=''
  [[ -f $U_BG_PROXY/nginx.pid ]] && pid=$(<"$U_BG_PROXY/nginx.pid")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A killed master not yet reaped is a zombie: gone all the same.
  local stat=''
  stat=$(<"/proc/$pid/stat") 2>/dev/null
  [[ ${stat##*) } != Z* ]]
}

# bg_proxy_conf COLOUR: write nginx.conf.new routing every public port to COLOUR's loopback port
# (recorded by bg_ports when the colour started: a switch needs no Docker).
bg_proxy_conf() {
  local c=$1 i d=$U_BG_PROXY conf t ports=()
  [[ -f $U_BG_DIR/$c.ports ]] && mapfile -t ports <"$U_BG_DIR/$c.ports"
  if ((${#ports[@]} != ${#U_BG_SVC[@]})); then
    U_REASON="the ports of the $c colour are not recorded: start it again (upsc rollback, or deploy)"
    return 1
  fi
  conf="worker_processes 1;pid $d/nginx.pid;worker_shutdown_timeout 30s;events{worker_connections 1024;}"
  conf+="http{access_log off;client_body_temp_path $d/tmp/body;proxy_temp_path $d/tmp/proxy;"
  conf+="fastcgi_temp_path $d/tmp/fcgi;uwsgi_temp_path $d/tmp/uwsgi;scgi_temp_path $d/tmp/scgi;"
  for i in "${!U_BG_SVC[@]}"; do
    t=upsc_${U_BG_SVC[i]//[^A-Za-z0-9_]/_}
    conf+="upstream $t{server 127.0.0.1:${ports[i]};keepalive 16;}"
    conf+="server{listen ${UPSC_BG_LISTEN_HOST:+$UPSC_BG_LISTEN_HOST:}${U_BG_PUB[i]};location /{proxy_pass http://$t;"
    conf+='proxy_http_version 1.1;proxy_set_header Connection "";proxy_set_header Host $host;'
    conf+='proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;proxy_set_header X-Forwarded-Proto $scheme;'
    conf+="add_header X-Upsc-Colour $c always;}}"
  done
  printf '%s}\n' "$conf" >"$d/nginx.conf.new"
}

# bg_switch COLOUR: route the public ports to COLOUR, atomically: the new config is checked, moved
# into place and loaded by a graceful reload (old workers finish their open connections); a stopped
# proxy is started. U_BG_SWITCH_MS := the time until the proxy answered from COLOUR.
bg_switch() {
  local c=$1 t0 t1 out
  now_us t0
  bg_proxy_conf "$c" || return 1
  if ! out=$(bg_nginx -t -q -c "$U_BG_PROXY/nginx.conf.new" 2>&1); then
    U_REASON="the proxy config for $c is invalid: ${out//$'\n'/ }"
    return 1
  fi
  mv -f -- "$U_BG_PROXY/nginx.conf.new" "$U_BG_PROXY/nginx.conf"
  local rc=0
  if bg_proxy_alive; then
    bg_nginx -s reload >"$U_TMP/nginx.out" 2>&1 || rc=$?
  else
    (
      bg_closefds
      bg_nginx </dev/null >"$U_TMP/nginx.out" 2>&1
    ) || rc=$?
  fi
  if ((rc)); then
    out=$(<"$U_TMP/nginx.out")
    U_REASON="nginx failed: ${out//$'\n'/ }"
    return 1
  fi
  bg_verify "$c" || return 1
  now_us t1
  U_BG_SWITCH_MS=$(((t1 - t0) / 1000))
}

# bg_verify COLOUR: through the proxy, every public port answers from COLOUR (its X-Upsc-Colour
# header) with a status below 500, within UPSC_BG_VERIFY_SECONDS (10).
bg_verify() {
  local i limit_ms start now out ok
  setting_ms limit_ms UPSC_BG_VERIFY_SECONDS 10000
  now_us start
  for i in "${!U_BG_SVC[@]}"; do
    while :; do
      out=$(curl -sS -o /dev/null -D - --max-time 2 "http://127.0.0.1:${U_BG_PUB[i]}/" 2>&1)
      ok=0
      [[ ${out,,} == *"x-upsc-colour: $1"* && $out =~ ^HTTP/[0-9.]+\ [1-4][0-9][0-9] ]] && ok=1
      ((ok)) && break
      now_us now
      if (((now - start) / 1000 > limit_ms)); then
        U_REASON="the proxy on port ${U_BG_PUB[i]} did not answer from $1 within $(ms_fmt "$limit_ms")s: ${out%%$'\r'*}"
        return 1
      fi
      sleep_ms 50
    done
  done
}

# ------------------------------------------------------------------ after the switch
# bg_shared: the services that do not face traffic run the checked-out commit in the main project
# (one copy, shared by both colours).
bg_shared() {
  local out svc shared=()
  U_HC_JSON='[]'
  bg_use ''
  out=$(compose config --services 2>&1) || {
    U_REASON="docker compose config failed: ${out##*$'\n'}"
    return 1
  }
  while IFS= read -r svc; do
    [[ -n $svc ]] && ! bg_is_traffic "$svc" && shared+=("$svc")
  done <<<"$out"
  ((${#shared[@]} > 0)) || return 0
  run_child compose up -d --no-deps --no-build "${shared[@]}" || {
    U_REASON='docker compose up of the shared services failed'
    return 1
  }
  bg_checks 1 health_gate || {
    U_REASON=$U_GATE_REASON
    return 1
  }
}

# bg_live COLOUR ID: COLOUR is live; the other one stays warm for UPSC_BG_KEEP_WARM_SECONDS (900),
# then a detached reaper stops it unless it went live again meanwhile.
bg_live() {
  local old=$U_BG_LIVE warm
  printf '%s\n' "$1" >"$U_BG_DIR/live.tmp" && mv -f -- "$U_BG_DIR/live.tmp" "$U_BG_DIR/live"
  printf '%s\n' "$2" >"$U_BG_DIR/$1.id"
  U_BG_LIVE=$1
  [[ -n $old && $old != "$1" ]] || return 0
  setting_int warm UPSC_BG_KEEP_WARM_SECONDS 900
  if ((warm == 0)); then
    bg_stop "$old"
    return 0
  fi
  # The reaper outlives this command (its own session) and needs only these functions.
  export U_BG_DIR U_BG_MAIN U_LOCK_FILE
  export -f bg_reap bg_stop bg_use compose docker
  (
    bg_closefds
    U_BG_SVC_LIST="${U_BG_SVC[*]}" exec setsid bash -c 'read -ra U_BG_SVC <<<"$U_BG_SVC_LIST"; bg_reap "$@"' \
      bg-reap "$old" "$1" "$2" "$warm" </dev/null >/dev/null 2>&1
  ) &
}

# bg_reap OLD NEW ID SECONDS: after SECONDS, under the deploy lock, stop OLD if NEW (from deploy ID)
# is still the live colour.
bg_reap() {
  sleep "$4"
  exec 9>>"$U_LOCK_FILE" && flock 9 || return
  [[ $(<"$U_BG_DIR/live") == "$2" && $(<"$U_BG_DIR/$2.id") == "$3" ]] || return 0
  U_BG_MAIN_FILE='' U_CFILE=''
  bg_use "$1"
  compose stop "${U_BG_SVC[@]}" >/dev/null 2>&1
}

# ------------------------------------------------------------------ status (probe.sh)
# bg_probe_checks: the health checks as status sees them: traffic services' in the live colour,
# the others in the main project.
bg_probe_checks() {
  bg_init
  local a='[]'
  U_BG_FAILED=''
  if [[ -n $U_BG_LIVE ]]; then
    bg_use "$U_BG_LIVE"
    bg_checks 0 hc_run_all
    a=$U_HC_JSON
    bg_use ''
  fi
  local f=$U_BG_FAILED
  bg_checks 1 hc_run_all
  U_BG_FAILED+="${f:+${U_BG_FAILED:+;}$f}"
  U_BG_HC=$a
  bg_hc_all
  U_HC_JSON=$U_RESULT_HC
}

# bg_status: P_BG := {strategy, live, liveCommit, idle, idleState, idleCommit, proxy{running, ports}}.
bg_status() {
  bg_init
  local i out code colour items='' running=false strategy lc ic idle=null state=null live
  bg_proxy_alive && running=true
  for i in "${!U_BG_SVC[@]}"; do
    code='' colour=''
    if [[ $running == true ]]; then
      out=$(curl -sS -o /dev/null -D - --max-time 2 "http://127.0.0.1:${U_BG_PUB[i]}/" 2>/dev/null)
      [[ $out =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && code=${BASH_REMATCH[1]}
      [[ ${out,,} =~ x-upsc-colour:\ ([a-z]+) ]] && colour=${BASH_REMATCH[1]}
    fi
    json_n code "$code"
    json_qn colour "$colour"
    items+="${items:+,}{\"service\":\"${U_BG_SVC[i]}\",\"port\":${U_BG_PUB[i]},\"status\":$code,\"colour\":$colour}"
  done
  bg_colour_commit lc "${U_BG_LIVE:-none}"
  if [[ -n $U_BG_LIVE ]]; then
    json_q idle "$U_BG_IDLE"
    state='"stopped"'
    bg_running "$U_BG_IDLE" && state='"running"'
    bg_colour_commit ic "$U_BG_IDLE"
  fi
  json_qn ic "${ic:-}"
  json_qn lc "$lc"
  json_qn live "$U_BG_LIVE"
  json_q strategy "${UPSC_STRATEGY:-inPlace}"
  P_BG="{\"strategy\":$strategy,\"live\":$live,\"liveCommit\":$lc,\"idle\":$idle,\"idleState\":$state,\"idleCommit\":$ic"
  P_BG+=",\"proxy\":{\"running\":$running,\"ports\":[$items]}}"
}

# ------------------------------------------------------------------ deploy and rollback
# bg_cutover SHA PREFIX: start SHA in the idle colour, gate it, switch, update the shared services.
# Returns 1 with U_BG_SWITCHED=0 when traffic never moved (the live colour untouched).
bg_cutover() {
  local sha=$1 p=$2 from=$U_BG_LIVE
  U_BG_SWITCHED=0
  bg_start "$U_BG_IDLE" "$sha" "$p" || return 1
  step_start "${p}switch"
  # From inPlace: the app's own traffic containers hold the public ports until they go.
  [[ -n $from ]] || run_child compose rm -s -f "${U_BG_SVC[@]}" >/dev/null 2>&1
  if ! bg_switch "$U_BG_IDLE"; then
    local why=$U_REASON
    if [[ -n $from ]] && bg_switch "$from"; then why+="; traffic stays on $from"; fi
    bg_stop "$U_BG_IDLE"
    step_fail "${p}switch" "$why" 'see the proxy error log in UPSC_HOME/proxy (upsc ssh)'
    return 1
  fi
  U_BG_SWITCHED=1
  step_ok "${p}switch" "${from:-inPlace} -> $U_BG_IDLE in ${U_BG_SWITCH_MS}ms"
  set_current "$sha" "${U_BRANCH:-}" "$U_ID"
  bg_live "$U_BG_IDLE" "$U_ID"
  U_BG_IDLE=${from:-}
  step_start "${p}shared"
  bg_shared || {
    step_fail "${p}shared" "$U_REASON" "${from:+traffic runs ${sha:0:12}; the $from colour is warm: upsc rollback switches back}"
    return 1
  }
  step_ok "${p}shared"
}

# bg_hc_all: U_RESULT_HC := the colour's gate checks, then the shared services' checks.
bg_hc_all() {
  local a=${U_BG_HC:-[]} b=${U_HC_JSON:-[]}
  a=${a#[} b=${b#[}
  a=${a%]} b=${b%]}
  U_RESULT_HC="[$a${a:+${b:+,}}$b]"
}

# bg_json: U_BG_JSON := the strategy's part of the result.
bg_json() {
  local idle='' ic=''
  [[ -n $U_BG_IDLE ]] && bg_running "$U_BG_IDLE" && idle=$U_BG_IDLE
  [[ -n $idle ]] && bg_colour_commit ic "$idle"
  json_qn idle "$idle"
  json_qn ic "$ic"
  local live switch
  json_qn live "$U_BG_LIVE"
  json_n switch "$U_BG_SWITCH_MS"
  U_BG_JSON="{\"live\":$live,\"warm\":$idle,\"warmCommit\":$ic,\"switchMs\":$switch}"
  U_BG_COLOUR=$U_BG_LIVE # the records' "colour": the one that went live
}

# bg_deploy: deploy.sh after build and tag: the blueGreen cutover instead of an in-place `up`; with
# UPSC_STRATEGY=inPlace (the way back), stop the proxy and the colours and return.
bg_deploy() {
  bg_init
  mkdir -p -- "$U_BG_DIR" "$U_BG_PROXY/tmp"
  if [[ ${UPSC_STRATEGY:-} != blueGreen ]]; then
    bg_leave
    return 0
  fi
  if ! bg_cutover "$U_COMMIT" ''; then
    if ((!U_BG_SWITCHED)); then
      attempt_restore
      U_ADVICE="${U_ADVICE:+$U_ADVICE; }the live version was not changed"
    fi
    bg_fail
  fi
  bg_hc_all
  # rollbackOnFailure: the deploy fails; the previous colour stays warm for `upsc rollback`.
  post_deploy_hooks bg_fail "traffic runs ${U_COMMIT:0:12}${U_BG_IDLE:+; the $U_BG_IDLE colour is warm: upsc rollback switches back}"
  retention_step 2
  bg_json
  attempt_end "$RC_OK" succeeded
}

# bg_fail [STEP REASON ADVICE]: the step failed: record the failed deploy or rollback and finish (exit 1).
bg_fail() {
  (($# == 0)) || step_fail "$@"
  bg_json
  attempt_end "$RC_FAILED" failed
}

# bg_leave: back to inPlace: the proxy stops (gracefully) and frees the public ports for the app's
# own containers; both colours are removed. Traffic pauses until the in-place `up` is done.
bg_leave() {
  [[ -n $U_BG_LIVE ]] || return 0
  say "Leaving blueGreen: stopping the proxy and the $U_BG_LIVE and $U_BG_IDLE colours"
  bg_proxy_alive && bg_nginx -s quit 2>&1
  local c i
  for c in blue green; do
    bg_use "$c"
    [[ -f $U_CFILE ]] && run_child compose rm -s -f "${U_BG_SVC[@]}" >/dev/null 2>&1
  done
  bg_use ''
  rm -f -- "$U_BG_DIR/live"
  for ((i = 0; i < 50; i++)); do bg_proxy_alive || break; sleep_ms 100; done
}

# bg_boot: boot.sh after a reboot: the live colour (or, before any, the blue one) starts again on
# the running commit from its images, the proxy routes to it (its ports are new), the shared
# services start. Nothing is fetched or built.
bg_boot() {
  bg_init
  mkdir -p -- "$U_BG_DIR" "$U_BG_PROXY/tmp"
  [[ -n $U_BG_LIVE ]] && U_BG_IDLE=$U_BG_LIVE U_BG_LIVE=''
  local ok=0
  checkout_commit "$U_COMMIT" 2>/dev/null && project_images && images_retag "$U_COMMIT" restore
  bg_cutover "$U_COMMIT" '' && ok=1
  bg_hc_all
  bg_json
  ((ok)) && result_line boot 0 succeeded "\"blueGreen\":$U_BG_JSON" && exit 0
  result_line boot 1 failed "\"blueGreen\":$U_BG_JSON"
  exit 1
}

# bg_look: 0 when the live colour runs, nginx runs and every check passes (the traffic services'
# in the live colour); else M_WHY says what is wrong. U_HC_JSON := the checks.
bg_look() {
  M_WHY=()
  docker_ready || M_WHY+=("docker: $U_DOCKER_ERR")
  if ! bg_proxy_alive; then
    M_WHY+=('the proxy (nginx) is not running')
  elif ! UPSC_BG_VERIFY_SECONDS=0 bg_verify "$U_BG_LIVE"; then
    M_WHY+=("$U_REASON")
  fi
  bg_running "$U_BG_LIVE" || M_WHY+=("the $U_BG_LIVE colour is not running")
  bg_probe_checks
  [[ $U_HC_JSON != *'"ok":false'* ]] || M_WHY+=("health checks fail: $U_BG_FAILED")
  ((${#M_WHY[@]} == 0))
}

# bg_monitor: monitor.sh on a blueGreen stage with a live colour. A dead proxy is started again on
# the live colour; a live colour that is down starts again from its images (as after a reboot).
# Under the deploy lock, after the grace period, as monitor.sh does for inPlace.
bg_monitor() {
  bg_init
  [[ -n $U_BG_LIVE ]] || return 0
  mkdir -p -- "$U_BG_DIR" "$U_BG_PROXY/tmp"
  bg_look && monitor_finish healthy '' 0
  say "Unhealthy: ${M_WHY[*]}"
  lock_acquire monitor "$U_ID" '' || monitor_finish skipped "a deploy holds the lock: $(lock_describe)" 0
  local grace what=proxy
  setting_ms grace UPSC_MONITOR_GRACE_SECONDS 10000
  sleep_ms "$grace"
  bg_look && monitor_finish healthy 'recovered without a restart' 0
  iso_now M_LAST
  if bg_running "$U_BG_LIVE"; then
    say "Restarting the proxy on the $U_BG_LIVE colour"
    # Docker may have restarted the colour's containers on new ports.
    bg_use "$U_BG_LIVE"
    bg_ports "$U_BG_LIVE"
    bg_use ''
    bg_switch "$U_BG_LIVE"
  else
    what=$U_BG_LIVE
    say "Restarting the $what colour"
    running_commit U_COMMIT
    U_BG_IDLE=$U_BG_LIVE U_BG_LIVE=''
    bg_cutover "$U_COMMIT" ''
  fi
  # M_COUNT is monitor.sh's associative array (SC2004 cannot tell).
  # shellcheck disable=SC2004
  M_RESTARTED+=("$what") M_COUNT[$what]=$((${M_COUNT[$what]:-0} + 1))
  bg_init
  bg_look && monitor_finish recovered "restarted $what" 0
  monitor_finish unhealthy "restarted $what; still failing: ${M_WHY[*]}" 1
}

# bg_restore: the checkout and image tags of U_COMMIT (rollback), for the shared services and a cold
# start; images that are gone are rebuilt, with a warning.
bg_restore() {
  step_start restore
  U_MOVED=1 U_TAGS_MOVED=1
  if ! checkout_commit "$U_COMMIT" 2>/dev/null || ! project_images; then
    step_fail restore "cannot check out ${U_COMMIT:0:12} or read its compose file" 'see git status in the app dir (upsc ssh)'
    return 1
  fi
  if ! images_retag "$U_COMMIT" restore; then
    warn "images tagged upsc-${U_COMMIT:0:12} are missing (${U_RETAG_MISSING[*]}): rebuilding them"
    U_REBUILT=1
    if ! build_images; then
      step_fail restore "build of ${U_COMMIT:0:12} failed" 'see the build output above'
      return 1
    fi
    images_retag "$U_COMMIT" save
  fi
  step_ok restore "${U_COMMIT:0:12}$( ((U_REBUILT)) && echo ' (rebuilt)')"
}

# bg_rollback_switch: rollback.sh once the target is known, before Docker is even asked: when the
# idle colour is warm on the target commit (its ports answer), switch to it at once. bg_rollback
# then does the rest.
bg_rollback_switch() {
  bg_init
  mkdir -p -- "$U_BG_DIR" "$U_BG_PROXY/tmp"
  local warm='' from=$U_BG_LIVE
  U_BG_WARM=0
  bg_colour_commit warm "$U_BG_IDLE"
  [[ $warm == "$U_COMMIT" ]] && bg_warm "$U_BG_IDLE" || return 0
  step_start switch
  if ! bg_switch "$U_BG_IDLE"; then
    bg_fail switch "$U_REASON" "traffic stays on $from"
  fi
  step_ok switch "$from -> $U_BG_IDLE in ${U_BG_SWITCH_MS}ms (warm)"
  set_current "$U_COMMIT" "$U_BRANCH" "$U_ID"
  bg_live "$U_BG_IDLE" "$U_ID"
  U_BG_IDLE=$from U_BG_WARM=1
}

# bg_rollback: rollback.sh after the docker step. After a warm switch: the checkout, image tags and
# shared services of the target. Else the target starts in the idle colour from its images, is
# gated, then switched to.
bg_rollback() {
  if ((U_BG_WARM)); then
    bg_restore || bg_fail
    step_start shared
    bg_shared || {
      step_fail shared "$U_REASON" "traffic runs ${U_COMMIT:0:12}; the shared services may not"
      bg_fail
    }
    step_ok shared
  else
    if ! bg_restore; then
      attempt_restore
      bg_fail
    fi
    if ! bg_cutover "$U_COMMIT" ''; then
      ((U_BG_SWITCHED)) || attempt_restore
      bg_fail
    fi
  fi
  bg_hc_all
  hooks_run POST_ROLLBACK || post_hook_failed post-rollback-hooks
  bg_json
  attempt_end "$RC_OK" succeeded
}
