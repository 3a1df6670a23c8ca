# shellcheck shell=bash
# signals.sh: what a host says by itself, with nobody's laptop watching (docs/HOST-SIGNALS.md).
# Sourced after lib.sh by monitor.sh and the bootstrap. Uses the AWS CLI with the instance role:
# - alerts on the stage's SNS topic (UPSC_ALERTS_TOPIC; empty: none): one message when an incident
#   opens, one when it is over, never more than UPSC_ALERTS_MAX_PER_HOUR (default 6) an hour: an
#   alert held back (or not sent: no network, no permission) stays due and goes out at a later run;
# - metrics in UPSC/Deployments (UPSC_METRICS=1): MonitorHeartbeat and ServiceRestarts from each
#   monitor run, the bootstrap's first deploy as the CLI counts a deploy.
# State in UPSC_HOME/alerts/: a file per open incident (lines: "<since epoch> <sent 0|1>", title, what), and
# .sent (the epochs of the messages of the last hour).
# Globals here are read by monitor.sh (SC2034).
# shellcheck disable=SC2034

SIG_NS=UPSC/Deployments

# sig_init: S_DIR, S_INSTANCE (IMDSv2, cached in UPSC_HOME/instance-id), S_STAGE.
sig_init() {
  local imds=${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254} token
  S_DIR=$U_STATE/alerts S_STAGE=${UPSC_STAGE:-?}
  mkdir -p -- "$S_DIR"
  [[ -f $U_STATE/instance-id ]] && S_INSTANCE=$(<"$U_STATE/instance-id")
  [[ ${S_INSTANCE:-} =~ ^[a-z]-[0-9a-f]+$ ]] && return
  S_INSTANCE=${AWS_SSM_INSTANCE_ID:-}
  if [[ -z $S_INSTANCE ]] && token=$(curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "${imds%/}/latest/api/token" 2>/dev/null); then
    S_INSTANCE=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "${imds%/}/latest/meta-data/instance-id" 2>/dev/null)
  fi
  if [[ $S_INSTANCE =~ ^[a-z]-[0-9a-f]+$ ]]; then printf '%s\n' "$S_INSTANCE" >"$U_STATE/instance-id"; else S_INSTANCE=${U_HOSTNAME:-unknown}; fi
}

# sig_aws REGION ARGS...: the AWS CLI, bounded in time (a hung endpoint must not hold the monitor).
sig_aws() {
  local region=$1
  shift
  aws --region "$region" --cli-connect-timeout 5 --cli-read-timeout 15 "$@"
}

# sig_publish SUBJECT BODY: publish within the hourly budget. 0 sent, 1 not sent (said why).
# Both start with fixed text: the AWS CLI v1 would fetch an argument starting with a URL.
sig_publish() {
  local now=$EPOCHSECONDS max t recent=() out region subject=$1
  [[ -n ${UPSC_ALERTS_TOPIC:-} ]] || return 1
  setting_int max UPSC_ALERTS_MAX_PER_HOUR 6
  if [[ -f $S_DIR/.sent ]]; then
    while read -r t; do [[ $t =~ ^[0-9]+$ ]] && ((now - t < 3600)) && recent+=("$t"); done <"$S_DIR/.sent"
  fi
  if ((${#recent[@]} >= max)); then
    say "Alert held back (at most $max an hour, sent later): $subject"
    return 1
  fi
  # SNS subjects: printable ASCII, at most 100 characters.
  LC_ALL=C subject=${subject//[^ -~]/?}
  region=${UPSC_ALERTS_TOPIC#arn:*:sns:}
  if out=$(sig_aws "${region%%:*}" sns publish --topic-arn "$UPSC_ALERTS_TOPIC" --subject "${subject:0:100}" --message "$2" 2>&1); then
    recent+=("$now")
    printf '%s\n' "${recent[@]}" >"$S_DIR/.sent"
    say "Alert sent: $subject"
    return 0
  fi
  warn "alert not sent to $UPSC_ALERTS_TOPIC (the instance role needs sns:Publish): ${out//$'\n'/ }"
  return 1
}

# sig_line LABEL VALUE: one line of a message body, labels aligned as in the CLI's notifications.
sig_line() { printf '%-11s%s\n' "$1:" "$2"; }

# sig_body TITLE WHAT SINCE DID [RECOVERED]: the body of an incident or recovery message.
sig_body() {
  local since_iso look
  printf -v since_iso '%(%Y-%m-%dT%H:%M:%SZ)T' "$3"
  printf -v look '%(%Y-%m-%dT%H:%M:%SZ)T' $(($3 - 600))
  printf 'upsc %s on %s: %s\n\n' "${S_SOURCE:-monitor}" "$S_STAGE" "$1"
  sig_line Stage "$S_STAGE"
  sig_line Host "$S_INSTANCE (${U_HOSTNAME:-?})"
  sig_line What "$2"
  sig_line Since "$since_iso"
  [[ -n ${5:-} ]] && sig_line Recovered "$5 (after $(((EPOCHSECONDS - $3 + 59) / 60)) min)"
  sig_line 'upsc did' "$4"
  sig_line Look "upsc status --stage $S_STAGE -i $S_INSTANCE"
  printf '%11supsc logs --stage %s -i %s --since %s\n' '' "$S_STAGE" "$S_INSTANCE" "$look"
}

# sig_open KEY TITLE WHAT DID: an incident is going on. Announced once (retried until sent).
sig_open() {
  local f=$S_DIR/$1 since=$EPOCHSECONDS sent=0
  [[ -f $f ]] && read -r since sent <"$f"
  [[ $since =~ ^[0-9]+$ ]] || since=$EPOCHSECONDS
  S_OPEN+=("$1")
  if [[ $sent != 1 ]] && sig_publish "[upsc] $S_STAGE: $2 on $S_INSTANCE" "$(sig_body INCIDENT "$3" "$since" "$4")"; then sent=1; fi
  printf '%s %s\n%s\n%s\n' "$since" "$sent" "$2" "${3//$'\n'/ }" >"$f"
}

# sig_close KEY DID: the incident KEY is over: one recovery message (if its incident was announced).
sig_close() {
  local f=$S_DIR/$1 since sent title what at
  [[ -f $f ]] || return 0
  { read -r since sent && IFS= read -r title && IFS= read -r what; } <"$f"
  [[ $since =~ ^[0-9]+$ ]] || since=$EPOCHSECONDS
  iso_now at
  if [[ $sent == 1 ]]; then
    sig_publish "[upsc] $S_STAGE: recovered: $title on $S_INSTANCE" "$(sig_body RECOVERED "$what" "$since" "$2" "$at")" || return 0
  fi
  rm -f -- "$f"
}

# sig_metrics DATUM...: put metric data (JSON objects; Stage and InstanceId dimensions added).
sig_metrics() {
  [[ ${UPSC_METRICS:-1} == 1 ]] || return 0
  local d data='' out stage host
  json_q stage "$S_STAGE"
  stage="{\"Name\":\"Stage\",\"Value\":$stage}"
  json_q host "$S_INSTANCE"
  host="$stage,{\"Name\":\"InstanceId\",\"Value\":$host}"
  for d; do
    data+="${data:+,}{${d/@DIMS@/$stage}},{${d/@DIMS@/$host}}"
  done
  out=$(sig_aws "${UPSC_REGION:-${AWS_REGION:-}}" cloudwatch put-metric-data --namespace "$SIG_NS" --metric-data "[$data]" 2>&1) ||
    warn "metrics not sent to CloudWatch (the instance role needs cloudwatch:PutMetricData): ${out//$'\n'/ }"
}

# sig_datum VAR NAME VALUE UNIT [EXTRA_DIMENSION_JSON]: VAR := one metric datum for sig_metrics.
sig_datum() {
  printf -v "$1" '"MetricName":"%s","Value":%s,"Unit":"%s","Dimensions":[@DIMS@%s]' "$2" "$3" "$4" "${5:+,$5}"
}

# sig_monitor OUTCOME: after a monitor run (M_* of monitor.sh): the restart log, the incidents,
# the metrics; M_EXTRA := the monitor.json fields they add.
sig_monitor() {
  local outcome=$1 log=$U_STATE/monitor.restarts now=$EPOCHSECONDS t what w loop q day='' n d data=() \
    free min keep=() recovered=''
  local -A in_day=() in_hour=()
  S_OPEN=()
  sig_init
  for what in "${M_RESTARTED[@]}"; do printf '%s %s\n' "$now" "$what" >>"$log"; done
  if [[ -f $log ]]; then
    while read -r t what; do
      if ! [[ $t =~ ^[0-9]+$ ]] || ((now - t >= 86400)); then continue; fi
      keep+=("$t $what") in_day[$what]=$((${in_day[$what]:-0} + 1))
      ((now - t < 3600)) && in_hour[$what]=$((${in_hour[$what]:-0} + 1))
    done <"$log"
    printf '%s\n' "${keep[@]}" >"$log.tmp" && mv -f -- "$log.tmp" "$log"
  fi
  setting_int loop UPSC_RESTART_LOOP 3
  for what in "${M_RESTARTED[@]}"; do
    w="$what was down or unhealthy (${M_WHY[*]})"
    w=${w// )/)}
    [[ $outcome == recovered ]] && d="restarted $what; the health checks pass again" || d="restarted $what; still failing: ${U_GATE_REASON:-see the monitor log}"
    sig_open "restart-$what" "$what restarted" "$w" "$d"
    if ((${in_hour[$what]:-0} >= loop)); then
      sig_open "loop-$what" "$what in a restart loop" "$what restarted ${in_hour[$what]} times in the last hour (${in_day[$what]} in 24 h)" "$d"
    fi
    json_q q "$what"
    sig_datum d ServiceRestarts 1 Count "{\"Name\":\"Service\",\"Value\":$q}"
    data+=("$d")
    sig_datum d ServiceRestarts 1 Count
    data+=("$d")
  done
  [[ $outcome == unhealthy ]] && sig_open unhealthy 'unhealthy after a restart' "the health checks fail: ${U_GATE_REASON:-see the monitor log}" "restarted ${M_RESTARTED[*]}; nothing more: look at the host"
  [[ $outcome == recovered || $outcome == healthy ]] && sig_close unhealthy 'the health checks pass again'
  if [[ $outcome == healthy ]]; then
    for w in "$S_DIR"/restart-* "$S_DIR"/loop-*; do [[ -f $w ]] && sig_close "${w##*/}" 'nothing to restart at this check: the stack is healthy'; done
  fi
  # The disk that holds the app and the images (df: used %).
  setting_int min UPSC_DISK_MIN_FREE_PERCENT 10
  free=$(df -P -- "$U_APP" 2>/dev/null | awk 'NR == 2 { sub("%", "", $5); print 100 - $5 }')
  if [[ $free =~ ^[0-9]+$ ]] && ((free < min)); then
    sig_open disk 'disk nearly full' "only $free% of the disk of $U_APP is free (under $min%)" 'nothing: free space (docker image prune, old logs)'
  elif [[ $free =~ ^[0-9]+$ ]]; then
    sig_close disk "$free% free again"
  fi
  sig_datum d MonitorHeartbeat 1 Count
  sig_metrics "$d" "${data[@]}"
  [[ $outcome == recovered ]] && iso_now recovered && printf '%s\n' "$recovered" >"$U_STATE/monitor.recovered"
  [[ -z $recovered && -f $U_STATE/monitor.recovered ]] && recovered=$(<"$U_STATE/monitor.recovered")
  for what in "${!in_day[@]}"; do
    json_q q "$what"
    day+="${day:+,}$q:${in_day[$what]}"
  done
  n=''
  for w in "${S_OPEN[@]}" "$S_DIR"/*; do
    w=${w##*/}
    [[ -f $S_DIR/$w && " $n " != *" $w "* ]] && n+="${n:+ }$w"
  done
  M_EXTRA=",\"restarts24h\":{$day}"
  json_fields M_EXTRA lastRecoveryAt:recovered
  q=''
  for w in $n; do q+="${q:+,}\"$w\""; done
  M_EXTRA+=",\"openIncidents\":[$q],\"instanceId\":\"$S_INSTANCE\""
}

# sig_bootstrap CODE STEP REASON ADVICE: after the bootstrap: a failure opens the incident
# "bootstrap" (one message; the next boot runs the bootstrap again), a success closes it.
sig_bootstrap() {
  S_SOURCE=bootstrap S_OPEN=()
  sig_init
  if (($1)); then
    sig_open bootstrap "bootstrap FAILED at $2" "the bootstrap failed at step $2: $3" "stopped (exit $1); next: ${4:-see /var/log/user-data.log}; it runs again at the next boot"
  else
    sig_close bootstrap 'the bootstrap succeeded'
  fi
}

# sig_deploy_metrics RESULT_JSON: the bootstrap's deploy, counted as the CLI counts a deploy.
sig_deploy_metrics() {
  local outcome dur build='' d1 d2 d3 d4 d5=''
  sig_init
  json_get outcome "$1" outcome
  json_get dur "$1" durationSeconds
  [[ $1 =~ \{\"name\":\"build\",\"status\":\"ok\",\"seconds\":([0-9.]+) ]] && build=${BASH_REMATCH[1]}
  sig_datum d1 DeploySucceeded "$([[ $outcome == '"succeeded"' ]] && echo 1 || echo 0)" Count
  sig_datum d2 DeployFailed "$([[ $outcome == '"succeeded"' ]] && echo 0 || echo 1)" Count
  sig_datum d3 RolledBack "$([[ $outcome == '"rolled-back"' ]] && echo 1 || echo 0)" Count
  sig_datum d4 DeployDuration "${dur:-0}" Seconds
  [[ -n $build ]] && sig_datum d5 BuildDuration "$build" Seconds
  sig_metrics "$d1" "$d2" "$d3" "$d4" ${d5:+"$d5"}
}
