# shellcheck shell=bash
# ------------------------------------------------------------------ operator hold
# UPSC_HOME/hold.json, written by `upsc lock acquire` (lock.sh): while it is there and not expired,
# deploys and rollbacks refuse. {"message","caller","since","expiresAt","expires"(epoch s),"commandId"}

# hold_read: U_HOLD := hold.json when in force, else '' (return 1).
hold_read() {
  local exp
  U_HOLD=''
  [[ -f $U_STATE/hold.json ]] && U_HOLD=$(<"$U_STATE/hold.json")
  U_HOLD=${U_HOLD//[$'\n\r']/}
  json_get exp "$U_HOLD" expires
  [[ $U_HOLD == '{'*'}' ]] && ! [[ $exp =~ ^[0-9]+$ && $exp -le $EPOCHSECONDS ]] && return 0
  U_HOLD=''
  return 1
}

# hold_describe: who holds deploys, since when, until when, and why.
hold_describe() {
  local f v caller since expiresAt message
  for f in caller since expiresAt message; do
    json_get v "$U_HOLD" "$f"
    json_unq "$f" "$v"
  done
  printf '%s since %s%s: %s' "${caller:-unknown caller}" "${since:-?}" "${expiresAt:+ until $expiresAt}" "$message"
}

# hold_refuses: with the lock taken, fail the lock step when an operator holds deploys.
# shellcheck disable=SC2034 # U_LOCK_HOLDER: read by the result lines
hold_refuses() {
  hold_read || return 1
  U_LOCK_HOLDER=$U_HOLD
  step_fail lock "deploys are held by $(hold_describe)" 'wait until it is lifted, or lift it: upsc lock release'
}
