# shellcheck shell=bash
# ------------------------------------------------------------------ lock
# The deploy lock is flock(2) on UPSC_HOME/deploy.lock, held by fd 9 of the deploying bash: the
# kernel releases it when that process dies, however it dies. lock.json names the holder.
U_LOCKED=0 U_LOCK_HOLDER=''

# lock_probe [WAIT]: open the lock file on fd 9 and take the lock, waiting up to WAIT seconds
# (default: not at all). 0 = taken, 1 = held by another.
lock_probe() {
  for _ in 1 2 3; do
    exec 9>>"$U_LOCK_FILE" || return 2
    flock -w "${1:-0}" 9 || {
      exec 9>&-
      return 1
    }
    # A forced release unlinks the file: holding a lock on an unlinked file means nothing.
    [[ /dev/fd/9 -ef $U_LOCK_FILE ]] && return 0
    exec 9>&-
  done
  return 2
}

# lock_holder: U_LOCK_HOLDER := lock.json plus "alive", or ''. U_LOCK_PID, U_LOCK_ALIVE.
lock_holder() {
  local info=''
  U_LOCK_HOLDER='' U_LOCK_PID='' U_LOCK_ALIVE=0
  [[ -f $U_LOCK_INFO ]] && info=$(<"$U_LOCK_INFO")
  info=${info//[$'\n\r']/}
  [[ $info == '{'*'}' ]] || return 1
  json_get U_LOCK_PID "$info" pid
  # A zombie (killed, not yet reaped) is not alive.
  [[ $U_LOCK_PID =~ ^[0-9]+$ && $(<"/proc/$U_LOCK_PID/stat") == *') '[^Z]' '* ]] 2>/dev/null && U_LOCK_ALIVE=1
  local alive
  json_b alive "$U_LOCK_ALIVE"
  U_LOCK_HOLDER="${info%\}},\"alive\":$alive}"
}

# lock_describe: one line naming the holder, for messages.
lock_describe() {
  local f v caller='' since='' branch='' commandId=''
  for f in caller since branch commandId; do
    json_get v "$U_LOCK_HOLDER" "$f"
    json_unq "$f" "$v"
  done
  printf '%s (pid %s, since %s, branch %s%s)' "${caller:-unknown caller}" "${U_LOCK_PID:-?}" "${since:-?}" \
    "${branch:-?}" "${commandId:+, command $commandId}"
}

# lock_acquire KIND ID BRANCH: take the deploy lock or return 1 (held: U_LOCK_HOLDER set) / 2 (error).
# A lock.json left by a dead holder is reported and taken over.
lock_acquire() {
  mkdir -p -- "$U_STATE" || return 2
  local rc=0
  lock_probe || rc=$?
  # Held, but not by a live run: something that looked is repairing an interrupted run: wait.
  if ((rc == 1)) && ! { lock_holder && ((U_LOCK_ALIVE)); }; then
    rc=0
    lock_probe 120 || rc=$?
  fi
  if ((rc != 0)); then
    ((rc == 1)) && lock_holder
    return "$rc"
  fi
  U_LOCKED=1
  lock_holder && repair_interrupted
  local since info=''
  iso_now since
  json_kv info kind "$1" id "$2" caller "${UPSC_CALLER-}"
  info+=",\"pid\":$$"
  json_kv info since "$since" branch "$3" commandId "${UPSC_COMMAND_ID-}"
  printf '{%s}\n' "${info#,}" >"$U_LOCK_INFO.tmp" && mv -f -- "$U_LOCK_INFO.tmp" "$U_LOCK_INFO"
}

# lock_or_fail KIND BRANCH: lock_acquire for U_ID, or step_fail the lock step and return the
# exit code to finish with (6 when held, by a run or by an operator's hold).
# shellcheck disable=SC2153 # RC_LOCKED: lib.sh's exit codes
lock_or_fail() {
  local rc=0
  lock_acquire "$1" "$U_ID" "$2" || rc=$?
  ((rc == 0)) && { hold_refuses || return 0; return "$RC_LOCKED"; }
  if ((rc == 1)); then
    step_fail lock "deploy lock held by $(lock_describe)" \
      'wait for it to finish (upsc lock status); a stuck lock: upsc lock release'
    return "$RC_LOCKED"
  fi
  step_fail lock "cannot open the lock file $U_LOCK_FILE" "check that $U_STATE is writable by root"
  return "$RC_FAILED"
}

# lock_release: remove lock.json if it is still ours, then drop the lock.
lock_release() {
  ((U_LOCKED)) || return 0
  local info='' pid
  [[ -f $U_LOCK_INFO ]] && info=$(<"$U_LOCK_INFO")
  json_get pid "$info" pid
  [[ $pid == "$$" ]] && rm -f -- "$U_LOCK_INFO"
  flock -u 9 2>/dev/null
  exec 9>&-
  U_LOCKED=0
}
