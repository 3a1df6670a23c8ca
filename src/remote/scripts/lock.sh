# shellcheck shell=bash
# lock.sh: inspect, hold or release the deploy lock, or cancel the run holding it.
# UPSC_LOCK_ACTION=status (default) | acquire | release | cancel. release refuses while the holder
# process is alive unless UPSC_FORCE=1. acquire writes the operator's hold (UPSC_LOCK_MESSAGE,
# UPSC_LOCK_TTL_SECONDS: 0 = until released). cancel (UPSC_CANCEL_COMMAND: the Run Command id of the
# deploy to stop): SIGUSR1 to the run named in lock.json, then wait up to UPSC_CANCEL_WAIT_SECONDS (60)
# for it to clean up, record `cancelled` and let go; a holder that died (killed by CancelCommand) is
# repaired and recorded `cancelled`.
# Result: {"action","held","stale","holder"(lock.json + "alive"),"released","forced","message","hold"};
# for cancel, "released" means the run stopped and let go of the lock.
# Exit codes: 0 ok, 1 cancel: the run did not stop in time, 2 bad action, 6 release refused (holder
# alive) or acquire refused (already held).
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

# lock_state: L_HELD := 1 when a process holds the flock. Read from /proc/locks: taking the lock,
# even for a moment, would make a deploy starting at that moment fail with "lock held".
lock_state() {
  local ino
  L_HELD=0
  ino=$(stat -c %i -- "$U_LOCK_FILE" 2>/dev/null) || return 0
  grep -Eq "^[0-9]+: FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks && L_HELD=1
}

lock_result() {
  local action held stale holder=${U_LOCK_HOLDER:-null} msg released forced
  json_q action "$1"
  json_b held "$L_HELD"
  json_b stale "$L_STALE"
  json_b released "$2"
  json_b forced "$3"
  json_q msg "$4"
  printf '%s result {"action":%s,"held":%s,"stale":%s,"holder":%s,"released":%s,"forced":%s,"message":%s,"hold":%s}\n' \
    "$U_MARK" "$action" "$held" "$stale" "$holder" "$released" "$forced" "$msg" "${U_HOLD:-null}"
}

# hold_write: the operator's hold, as hold.json (replaced atomically).
hold_write() {
  local ttl since expires='' expiresAt='' message=${UPSC_LOCK_MESSAGE:-} info=''
  setting_int ttl UPSC_LOCK_TTL_SECONDS 0
  iso_now since
  if ((ttl > 0)); then
    expires=$((EPOCHSECONDS + ttl))
    printf -v expiresAt '%(%Y-%m-%dT%H:%M:%SZ)T' "$expires"
  fi
  json_fields info message:message caller:UPSC_CALLER since:since expiresAt:expiresAt
  info+=",\"expires\":${expires:-null}"
  json_fields info commandId:UPSC_COMMAND_ID
  mkdir -p -- "$U_STATE" && printf '{%s}\n' "${info#,}" >"$U_STATE/hold.json.tmp" &&
    mv -f -- "$U_STATE/hold.json.tmp" "$U_STATE/hold.json"
}

# lock_cancel: `upsc deploy --cancel`: stop the run of UPSC_CANCEL_COMMAND holding the lock with
# SIGUSR1 and wait for it to let go; a dead one is left to repair_if_interrupted. Exits when there is
# nothing of that command to cancel.
lock_cancel() {
  local cmd want=${UPSC_CANCEL_COMMAND:-} wait_s kind n=0 msg
  setting_int wait_s UPSC_CANCEL_WAIT_SECONDS 60
  lock_state
  lock_holder
  json_get cmd "$U_LOCK_HOLDER" commandId
  json_unq cmd "$cmd"
  json_get kind "$U_LOCK_HOLDER" kind
  # lock.json names its Run Command when the host knows it; without one, its deploy is the one.
  if [[ -z $U_LOCK_HOLDER || -n $cmd && $cmd != "$want" || $kind != '"deploy"' && $kind != '"rollback"' ]]; then
    msg="no run of command $want holds the deploy lock on this host: nothing to cancel"
    say "$msg"
    L_STALE=0
    lock_result cancel 0 0 "$msg"
    exit 0
  fi
  # The run is dead (killed), its lock free or about to be: repair_if_interrupted records it.
  ((L_HELD && U_LOCK_ALIVE)) || return 0
  say "Cancelling $(lock_describe)"
  kill -USR1 "$U_LOCK_PID"
  while lock_state && ((L_HELD && n < wait_s * 5)); do
    command sleep 0.2
    n=$((n + 1))
  done
  L_STALE=0
  if ((L_HELD)); then
    msg="$(lock_describe) did not stop within ${wait_s}s"
    say "$msg"
    lock_result cancel 0 0 "$msg"
    exit "$RC_FAILED"
  fi
  msg="cancelled $(lock_describe): it cleaned up and recorded the attempt as cancelled"
  say "$msg"
  lock_result cancel 1 0 "$msg"
  exit 0
}

lock_main() {
  upsc_init
  local action=${UPSC_LOCK_ACTION:-status} force=0 msg
  [[ ${UPSC_FORCE:-} == 1 ]] && force=1
  if [[ $action == cancel ]]; then
    U_REPAIR_OUTCOME=cancelled U_REPAIR_WHY='cancelled (upsc deploy --cancel): killed by CancelCommand'
    lock_cancel
  fi
  repair_if_interrupted
  lock_state
  lock_holder
  hold_read
  # Stale: lock.json names a holder but no process holds the lock.
  L_STALE=0
  [[ -n $U_LOCK_HOLDER ]] && ((!L_HELD)) && L_STALE=1
  case $action in
    status)
      if [[ -n ${U_REPAIRED:-} ]]; then
        msg="not held; $U_REPAIRED had died holding it: recorded as interrupted, checkout and images back on what runs"
      elif ((L_HELD)); then
        msg="held by $(lock_describe)"
        ((U_LOCK_ALIVE)) || msg+=' (that process is gone: a child of it still holds the lock)'
      elif ((L_STALE)); then
        msg="not held; stale holder info from $(lock_describe), whose process is gone"
      else
        msg='not held'
      fi
      [[ -n $U_HOLD ]] && msg="deploys held by $(hold_describe); lock $msg"
      say "Deploy lock: $msg"
      lock_result status 0 0 "$msg"
      ;;
    acquire)
      if [[ -n $U_HOLD ]]; then
        msg="refused: deploys are already held by $(hold_describe)"
        say "$msg"
        lock_result acquire 0 0 "$msg"
        exit "$RC_LOCKED"
      fi
      [[ -n ${UPSC_LOCK_MESSAGE:-} ]] || { lock_result acquire 0 0 'UPSC_LOCK_MESSAGE is required' && exit "$RC_USAGE"; }
      hold_write || { lock_result acquire 0 0 "cannot write $U_STATE/hold.json" && exit "$RC_FAILED"; }
      hold_read
      msg="deploys held by $(hold_describe)"
      ((L_HELD)) && msg+="; the run holding the lock now ($(lock_describe)) goes on"
      say "$msg"
      lock_result acquire 0 0 "$msg"
      ;;
    release)
      if [[ -n $U_HOLD ]]; then
        rm -f -- "$U_STATE/hold.json"
        msg="lifted the hold by $(hold_describe)"
        U_HOLD=''
        warn "$msg"
        # A run holding the lock now is only touched when stale or with --force.
        ((L_STALE || force)) || { lock_result release 1 0 "$msg" && exit 0; }
      fi
      if ((!L_HELD && !L_STALE)); then
        lock_result release 0 0 'not held: nothing to release'
      elif ((L_HELD && U_LOCK_ALIVE && !force)); then
        msg="refused: held by $(lock_describe), which is still running; use --force to release it anyway"
        say "$msg"
        lock_result release 0 0 "$msg"
        exit "$RC_LOCKED"
      else
        # Unlinking the file frees the lock for the next deploy even if a process still holds
        # its old file (that process's own release will not touch the new holder's lock.json).
        rm -f -- "$U_LOCK_FILE" "$U_LOCK_INFO"
        if ((L_HELD)); then
          msg="released the lock held by $(lock_describe)"
          ((force)) && msg+=' (forced)'
        else
          msg="removed the stale lock left by $(lock_describe)"
        fi
        warn "$msg"
        lock_result release 1 "$((L_HELD && force))" "$msg"
      fi
      ;;
    cancel)
      msg="$U_REPAIRED had been killed (CancelCommand): recorded as cancelled, checkout and images back on what runs"
      [[ -n ${U_REPAIRED:-} ]] || msg='nothing to cancel'
      say "$msg"
      lock_result cancel "$([[ -n ${U_REPAIRED:-} ]] && echo 1 || echo 0)" 0 "$msg"
      ;;
    *)
      lock_result "$action" 0 0 "unknown UPSC_LOCK_ACTION (expected status, acquire, release or cancel)"
      exit "$RC_USAGE"
      ;;
  esac
}

lock_main
