# shellcheck shell=bash
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

# record_write OUTCOME FROM TO ID KIND BRANCH COMMIT PREV STARTED START_US FAILED_STEP REASON
#   ROLLED_BACK_TO AUTO REBUILT [EXTRA]: append the record of an attempt, its fields in this order:
# the steps FROM..TO-1; START_US empty: duration null; empty texts are null; AUTO and REBUILT are
# true/false; EXTRA (,"k":v...) goes after the common fields. Every record is written here.
record_write() {
  local dur=null steps rec='' finished
  [[ -n ${10} ]] && tenths_since dur "${10}"
  steps_object steps "$2" "$3"
  iso_now finished
  json_kv rec id "$4" kind "$5" branch "$6" commit "$7" previousCommit "$8" startedAt "$9" finishedAt "$finished"
  rec+=",\"durationSeconds\":$dur,\"steps\":$steps"
  json_kv rec outcome "$1" failedStep "${11}" reason "${12:0:1000}" rolledBackTo "${13}"
  rec+=",\"auto\":${14:-false},\"rebuilt\":${15:-false}"
  json_kv rec caller "${UPSC_CALLER-}" commandId "${UPSC_COMMAND_ID-}" toolVersion "${UPSC_TOOL_VERSION-}" hostname "$U_HOSTNAME"
  rec+=${16-}
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
# shellcheck disable=SC2034 # U_TOTAL, U_SKIPPED: its results, read by history.sh
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
