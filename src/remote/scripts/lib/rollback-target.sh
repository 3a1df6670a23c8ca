# shellcheck shell=bash
# ------------------------------------------------------------------ the rollback target
# rollback_pick VAR RUNNING: THE rollback-target rule, the one place it is written (upsc rollback
# shows what it picks; rollback.sh, the automatic rollback of deploy.sh and the retention of images
# use it): the newest succeeded deployment or rollback whose commit is not RUNNING. RUNNING is
# running_commit's answer (current.json, else the checkout's HEAD); when it is empty, the newest
# succeeded record. VAR := its index in U_OK_COMMITS (succeeded_commits, 2 or more), or 1 is returned.
rollback_pick() {
  local -n _rp_out=$1
  local _rp_i
  for _rp_i in "${!U_OK_COMMITS[@]}"; do
    [[ ${U_OK_COMMITS[_rp_i]} == "$2" ]] || {
      _rp_out=$_rp_i
      return 0
    }
  done
  return 1
}

# rollback_default RUNNING: the rollback target without a choice (rollback_pick), read from the
# history (two succeeded commits at most). Sets what target_set sets, or U_TARGET_PROBLEM and returns 1.
rollback_default() {
  local i
  succeeded_commits 2
  rollback_pick i "$1" && {
    target_set "${U_OK_LINES[i]}"
    return 0
  }
  U_TARGET_PROBLEM="nothing to roll back to: no succeeded deployment other than the running commit ${1:0:12}"
  return 1
}

# target_set RECORD: U_TARGET_LINE, U_TARGET_ID, U_COMMIT, U_BRANCH := the record and its fields.
# shellcheck disable=SC2034 # U_TARGET_*: the results of rollback_target, read by its callers
target_set() {
  U_TARGET_LINE=$1
  json_get U_TARGET_ID "$1" id
  json_unq U_TARGET_ID "$U_TARGET_ID"
  json_get U_COMMIT "$1" commit
  json_unq U_COMMIT "$U_COMMIT"
  json_get U_BRANCH "$1" branch
  json_unq U_BRANCH "$U_BRANCH"
}

# rollback_target RUNNING [TO]: rollback_default without TO. TO names the target: the deployment
# with that id (it must have succeeded), else the succeeded record of the one commit TO (a commit
# or a unique prefix) names; refused when it is RUNNING. Sets what target_set sets, or
# U_TARGET_PROBLEM and returns 1.
# shellcheck disable=SC2034 # U_TARGET_PROBLEM: read by its callers
rollback_target() {
  local run=$1 to=${2:-} want line id outcome commit seen=' ' match='' n=0
  U_TARGET_PROBLEM=''
  [[ -n $to ]] || {
    rollback_default "$run"
    return
  }
  json_q want "$to"
  while IFS= read -r line; do
    record_complete "$line" || continue
    json_get id "$line" id
    json_get outcome "$line" outcome
    json_get commit "$line" commit
    json_unq commit "$commit"
    if [[ $id == "$want" ]]; then
      if [[ $outcome != '"succeeded"' ]] || ! is_sha "$commit"; then
        U_TARGET_PROBLEM="deployment $to did not succeed (outcome ${outcome//\"/}): it is not a rollback target"
        return 1
      fi
      match=$line n=1
      break
    fi
    if [[ $outcome == '"succeeded"' ]] && is_sha "$commit" && valid_ref "$to" && [[ $commit == "${to,,}"* && $seen != *" $commit "* ]]; then
      seen+="$commit "
      n=$((n + 1))
      [[ -n $match ]] || match=$line
    fi
  done < <(history_newest)
  if ((n != 1)); then
    U_TARGET_PROBLEM="$to matches $n deployed commits: give more digits of the commit, or the deployment id"
    ((n)) || U_TARGET_PROBLEM="unknown rollback target $to: no succeeded deployment has that id or commit"
    return 1
  fi
  target_set "$match"
  [[ $U_COMMIT != "$run" ]] || {
    U_TARGET_PROBLEM="${U_COMMIT:0:12} is already the running commit"
    return 1
  }
}
