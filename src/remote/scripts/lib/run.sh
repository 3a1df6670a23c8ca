# shellcheck shell=bash
# ------------------------------------------------------------------ external commands
# The deploy lock is fd 9 of this bash alone. Children must not inherit it, or a daemon or
# container started by a child would keep the lock after we exit.
docker() { command docker "$@" 9>&-; }
git() { command git "$@" 9>&-; }
systemctl() { command systemctl "$@" 9>&-; }
curl() { command curl "$@" 9>&-; }
# Every AWS CLI call names the region: the CLI's UPSC_REGION, else the agent's AWS_SSM_REGION_NAME.
# Run Command sets no AWS_REGION, and AWS CLI v1 does not ask the instance metadata for one.
aws() {
  local r=${UPSC_REGION:-${AWS_SSM_REGION_NAME:-}}
  command aws ${r:+--region "$r"} "$@" 9>&-
}

U_CHILD=
# run_child CMD...: run CMD in the background and wait, so that a signal reaches our trap at once
# instead of after CMD ends.
run_child() {
  (
    exec 9>&-
    "$@"
  ) &
  U_CHILD=$!
  local rc=0
  wait "$U_CHILD" || rc=$?
  U_CHILD=
  return "$rc"
}

# kill_child: stop the command run_child is waiting for (used by the signal trap).
kill_child() {
  [[ -n $U_CHILD ]] || return 0
  pkill -TERM -P "$U_CHILD" 2>/dev/null
  kill -TERM "$U_CHILD" 2>/dev/null
  wait "$U_CHILD" 2>/dev/null
  U_CHILD=
}

# stop_on_signals RESTORE RECORD FINISH ADVICE: from now on, a signal ends this deploy or rollback:
# SIGTERM/INT/HUP (Ctrl-C, a shutdown): interrupted, 130; SIGUSR1 (`upsc deploy --cancel`, lock.sh):
# cancelled, 130; SIGALRM (its own deadline, UPSC_DEADLINE_SECONDS, set by the CLI inside the Run
# Command timeout with room to clean up): failed, 1. Then: stop the running child, undo what is
# undoable (RESTORE, before `up`), record the attempt (RECORD, once the lock is ours), FINISH.
# ADVICE is what to tell when `up` had started. The names are this script's own functions.
# shellcheck disable=SC2034 # U_WATCHDOG: read by on_exit (settings.sh)
stop_on_signals() {
  U_SIG_RESTORE=$1 U_SIG_RECORD=$2 U_SIG_FINISH=$3 U_SIG_ADVICE=$4
  local s
  for s in TERM INT HUP USR1 ALRM; do
    # shellcheck disable=SC2064 # the signal name, now
    trap "on_signal $s" "$s"
  done
  setting_int s UPSC_DEADLINE_SECONDS 0
  ((s > 0)) || return 0
  (
    exec 9>&- >&- 2>/dev/null
    command sleep "$s" && kill -ALRM $$
  ) &
  U_WATCHDOG=$!
}

# shellcheck disable=SC2317,SC2034 # called by the traps; U_REASON, U_ADVICE: read by the result line and the record
on_signal() {
  trap '' TERM INT HUP USR1 ALRM
  local outcome=interrupted rc=$RC_INTERRUPTED why="interrupted by SIG$1"
  [[ $1 == USR1 ]] && outcome=cancelled why='cancelled (upsc deploy --cancel)'
  [[ $1 == ALRM ]] && outcome=failed rc=$RC_FAILED why="stopped at its deadline (${UPSC_DEADLINE_SECONDS}s)"
  kill_child
  if [[ -n $U_CUR_STEP ]]; then
    step_fail "$U_CUR_STEP" "$why"
  else
    U_REASON=$why
  fi
  if ((U_LOCKED)); then
    if [[ $U_PHASE == pre ]]; then
      "$U_SIG_RESTORE"
      U_ADVICE='the running version was not changed'
    else
      U_ADVICE=$U_SIG_ADVICE
    fi
    "$U_SIG_RECORD" "$outcome"
  fi
  "$U_SIG_FINISH" "$rc" "$outcome"
}
