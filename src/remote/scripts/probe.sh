# shellcheck shell=bash
# probe.sh: snapshot of this host for `upsc status`: one `::upsc result` line. It changes nothing,
# except that it first repairs a run that died holding the deploy lock (repair_if_interrupted).
# Every part fails soft (its own error, the other parts still reported). It runs on every status,
# so it keeps subprocesses few and makes one request per health check (no polling).
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

# docker_time_epoch VAR TEXT: VAR := epoch seconds of docker's "2026-11-28 18:11:37 +0000 UTC".
docker_time_epoch() {
  local re='^([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})[^ ]* ?([+-])?([0-9]{2})?:?([0-9]{2})?'
  if [[ ! $2 =~ $re ]]; then printf -v "$1" ''; return 1; fi
  local y=$((10#${BASH_REMATCH[1]})) m=$((10#${BASH_REMATCH[2]})) d=$((10#${BASH_REMATCH[3]}))
  local hh=$((10#${BASH_REMATCH[4]})) mm=$((10#${BASH_REMATCH[5]})) ss=$((10#${BASH_REMATCH[6]}))
  local off=$((10#${BASH_REMATCH[8]:-0} * 3600 + 10#${BASH_REMATCH[9]:-0} * 60))
  [[ ${BASH_REMATCH[7]} == - ]] && off=$((-off))
  # days from civil (Howard Hinnant's algorithm)
  ((m <= 2)) && y=$((y - 1))
  local era=$((y / 400)) yoe doy doe
  yoe=$((y - era * 400))
  doy=$(((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1))
  doe=$((yoe * 365 + yoe / 4 - yoe / 100 + doy))
  printf -v "$1" '%d' $(((era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60 + ss - off))
}

probe_host() {
  local up='' host free='' total='' pct=null df_out line fields dir=$U_APP
  [[ -r /proc/uptime ]] && read -r up _ </proc/uptime
  json_n up "${up%%.*}"
  until [[ -d $dir || -z $dir ]]; do dir=${dir%/*}; done
  if df_out=$(df -P -B1 -- "${dir:-/}" 2>/dev/null); then
    line=${df_out##*$'\n'}
    read -r -a fields <<<"$line"
    total=${fields[1]-} free=${fields[3]-}
    if [[ $total =~ ^[0-9]+$ && $free =~ ^[0-9]+$ ]] && ((total > 0)); then
      local tenths=$((free * 1000 / total))
      pct="$((tenths / 10)).$((tenths % 10))"
    fi
  fi
  json_n free "$free"
  json_n total "$total"
  json_q host "$U_HOSTNAME"
  P_HOST="{\"hostname\":$host,\"uptimeSeconds\":$up,\"diskFreeBytes\":$free,\"diskTotalBytes\":$total,\"diskFreePercent\":$pct}"
  local min
  setting_int min UPSC_DISK_MIN_FREE_PERCENT 10
  if [[ $pct != null ]] && ((${pct%.*} < min)); then
    warn "low disk space: ${pct}% free on the app's file system (threshold ${min}%)"
  fi
}

probe_docker() {
  local version compose='' err
  if docker_ready; then
    compose=$(docker compose version --short 2>/dev/null) || compose=''
  fi
  json_qn version "$U_DOCKER_VERSION"
  json_qn compose "${compose##*$'\n'}"
  err=''
  ((U_DOCKER_UP)) || err=$U_DOCKER_ERR
  json_qn err "${err//$'\n'/ }"
  local running
  json_b running "$U_DOCKER_UP"
  P_DOCKER="{\"running\":$running,\"serverVersion\":$version,\"composeVersion\":$compose,\"error\":$err}"
}

# probe_repo: commit, branch and cleanliness in one `git status` that never takes .git/index.lock
# (an operator's git may need it); untracked files that .gitignore does not list: the first 5 names
# and the count; the commit that runs (current.json). A deployed checkout is detached: its branch is
# the one current.json recorded for that commit.
probe_repo() {
  local out line oid='' head='' clean=1 present=0 err='' info='' cur='' cbranch='' untracked='' q nu=0
  [[ -f $U_CURRENT ]] && info=$(<"$U_CURRENT")
  json_get cur "$info" commit
  json_get cbranch "$info" branch
  if [[ ! -d $U_APP ]]; then
    err="app dir $U_APP does not exist"
  elif out=$(git_app --no-optional-locks status --porcelain=v2 --branch --untracked-files=normal 2>&1); then
    present=1
    while IFS= read -r line; do
      case $line in
        '# branch.oid '*) oid=${line#'# branch.oid '} ;;
        '# branch.head '*) head=${line#'# branch.head '} ;;
        '? '*)
          nu=$((nu + 1))
          ((nu > 5)) || { json_q q "${line#? }" && untracked+="${untracked:+,}$q"; }
          ;;
        '#'* | '') ;;
        *) clean=0 ;;
      esac
    done <<<"$out"
    [[ $oid == '(initial)' ]] && oid=''
    if [[ $head == '(detached)' ]]; then
      head=''
      [[ $cur == "\"$oid\"" ]] && json_unq head "$cbranch"
    fi
  else
    err=${out//$'\n'/ }
  fi
  local b c e p cl
  json_qn b "$head"
  json_qn c "$oid"
  json_qn e "$err"
  json_b p "$present"
  if ((present)); then json_b cl "$clean"; else cl=null; fi
  P_REPO="{\"present\":$p,\"branch\":$b,\"commit\":$c,\"running\":${cur:-null},\"clean\":$cl,\"untracked\":[$untracked],\"untrackedCount\":$nu,\"error\":$e}"
}

# probe_images: the project's images (<project>-*), every tag, newest first.
probe_images() {
  local out line items='' repo tag id created epoch age iso r t i c a
  P_IMAGES='[]'
  ((U_DOCKER_UP)) || return 0
  out=$(docker image ls --format $'{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedAt}}' \
    --filter "reference=$U_PROJECT-*" 2>/dev/null) || return 0
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    split_tab "$line"
    repo=${U_F[0]} tag=${U_F[1]-} id=${U_F[2]-} created=${U_F[3]-}
    iso='' age=''
    if docker_time_epoch epoch "$created"; then
      printf -v iso '%(%Y-%m-%dT%H:%M:%SZ)T' "$epoch"
      age=$((EPOCHSECONDS - epoch))
    fi
    json_q r "$repo"
    json_q t "$tag"
    json_q i "$id"
    json_qn c "$iso"
    json_n a "$age"
    items+="${items:+,}{\"repository\":$r,\"tag\":$t,\"id\":$i,\"createdAt\":$c,\"ageSeconds\":$a}"
  done <<<"$out"
  P_IMAGES="[$items]"
}

# probe_services: containers of the project with state, health and restart count.
probe_services() {
  local i items='' restarts=() out n s h r
  P_SERVICES='[]' P_SERVICES_ERR=''
  ((U_DOCKER_UP)) || return 0
  if ! services_read; then
    P_SERVICES_ERR=${U_SVC_ERR//$'\n'/ }
    return 0
  fi
  if ((${#U_SVC_ID[@]} > 0)) && out=$(docker inspect --format '{{.RestartCount}}' "${U_SVC_ID[@]}" 2>/dev/null); then
    mapfile -t restarts <<<"$out"
  fi
  for i in "${!U_SVC_ID[@]}"; do
    json_q n "${U_SVC_NAME[i]}"
    json_q s "${U_SVC_STATE[i]}"
    json_qn h "${U_SVC_HEALTH[i]}"
    json_n r "${restarts[i]-}"
    items+="${items:+,}{\"name\":$n,\"state\":$s,\"health\":$h,\"restarts\":$r}"
  done
  P_SERVICES="[$items]"
}

probe_units() {
  local units u items='' enabled active n e a p
  read -r -a units <<<"${UPSC_UNITS-upscpro-deploy.service upscpro-monitor.timer}"
  for u in "${units[@]}"; do
    json_q n "$u"
    if valid_unit "$u"; then
      enabled=$(systemctl is-enabled "$u" 2>/dev/null)
      active=$(systemctl is-active "$u" 2>/dev/null)
    else
      enabled='' active=''
    fi
    enabled=${enabled##*$'\n'} active=${active##*$'\n'}
    [[ $enabled == not-found ]] && enabled=''
    if [[ -n $enabled ]]; then p=true; else p=false; fi
    json_qn e "$enabled"
    json_qn a "$active"
    items+="${items:+,}{\"name\":$n,\"present\":$p,\"enabled\":$e,\"active\":$a}"
  done
  P_UNITS="[$items]"
}

# probe_doc VAR FILE: VAR := the JSON object in FILE on one line, else null.
probe_doc() {
  local _pd=''
  [[ -f $2 ]] && _pd=$(<"$2")
  _pd=${_pd//[$'\n\r']/ }
  [[ $_pd =~ ^[[:space:]]*\{.*\}[[:space:]]*$ ]] || _pd=null
  printf -v "$1" '%s' "$_pd"
}

# probe_last: the last complete history record; bootstrap.json and monitor.json (else null).
probe_last() {
  local lines=() i
  P_LAST=null
  if [[ -s $U_HISTORY ]]; then
    mapfile -t lines < <(tail -n 5 -- "$U_HISTORY")
    for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
      if record_complete "${lines[i]}"; then
        P_LAST=${lines[i]}
        break
      fi
    done
  fi
  probe_doc P_BOOT "$U_STATE/bootstrap.json"
  probe_doc P_MON "$U_STATE/monitor.json"
}

probe_checks() {
  hc_load
  if ((U_HC_N > 0)); then hc_run_all; else U_HC_JSON='[]'; fi
}

# probe_bg NAME FUNC VAR...: run FUNC in a background subshell; its VARs come back through files
# in the private temp dir (read by probe_collect). The parts only read the host, so they can run
# at once: status waits for the slowest part instead of the sum of all.
probe_bg() {
  local name=$1 fn=$2
  shift 2
  if [[ -z $U_TMP ]]; then "$fn"; return; fi
  (
    "$fn"
    for v in "$@"; do printf '%s' "${!v}" >"$U_TMP/$name.$v"; done
  ) &
}

# probe_collect NAME VAR...: VAR := what probe_bg NAME wrote (unchanged when it wrote nothing).
probe_collect() {
  local name=$1 v
  shift
  [[ -n $U_TMP ]] || return 0
  for v in "$@"; do
    [[ -f $U_TMP/$name.$v ]] && IFS= read -r -d '' "$v" <"$U_TMP/$name.$v"
  done
  return 0
}

probe_main() {
  upsc_init
  repair_if_interrupted
  probe_host
  probe_docker
  P_REPO=null P_IMAGES='[]' P_SERVICES='[]' P_SERVICES_ERR='' U_HC_JSON='[]' P_UNITS='[]'
  probe_bg repo probe_repo P_REPO
  probe_bg images probe_images P_IMAGES
  probe_bg services probe_services P_SERVICES P_SERVICES_ERR
  # Traffic services configured (bluegreen.sh): checks see the live colour; the colours and the proxy.
  local checks=probe_checks
  P_BG=null
  [[ -n ${UPSC_BG_COUNT:-} ]] && checks=bg_probe_checks && probe_bg bluegreen bg_status P_BG
  probe_bg checks "$checks" U_HC_JSON
  probe_bg units probe_units P_UNITS
  probe_last
  wait
  probe_collect repo P_REPO
  probe_collect images P_IMAGES
  probe_collect services P_SERVICES P_SERVICES_ERR
  probe_collect checks U_HC_JSON
  probe_collect units P_UNITS
  probe_collect bluegreen P_BG
  local serr
  json_qn serr "$P_SERVICES_ERR"
  printf '::upsc result {"schema":1,"host":%s,"docker":%s,"repo":%s,"images":%s,"services":%s,"servicesError":%s,"healthChecks":%s,"units":%s,"lastDeployment":%s,"bootstrap":%s,"blueGreen":%s,"monitor":%s}\n' \
    "$P_HOST" "$P_DOCKER" "$P_REPO" "$P_IMAGES" "$P_SERVICES" "$serr" "$U_HC_JSON" "$P_UNITS" "$P_LAST" "$P_BOOT" "$P_BG" "$P_MON"
}

probe_main
