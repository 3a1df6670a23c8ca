# shellcheck shell=bash
# history.sh: the deployment history of this host, newest first, as one `::upsc result` line:
# {"records":[...],"total":N,"skipped":N,"current":{...}|null}. At most UPSC_HISTORY_LIMIT records
# (default 20). "current" is current.json: what the stack was last started from.
# A line that is not a whole record (torn by a power loss) is skipped and counted in "skipped".
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

history_main() {
  upsc_init
  local limit i out='' n=0 current=null
  setting_int limit UPSC_HISTORY_LIMIT 20
  history_lines
  for ((i = ${#U_LINES[@]} - 1; i >= 0 && n < limit; i--)); do
    out+="${out:+,}${U_LINES[i]}"
    n=$((n + 1))
  done
  [[ -f $U_CURRENT ]] && current=$(<"$U_CURRENT")
  [[ $current == '{'*'}' ]] || current=null
  ((U_SKIPPED == 0)) || warn "skipped $U_SKIPPED incomplete line(s) in $U_HISTORY"
  printf '::upsc result {"records":[%s],"total":%d,"skipped":%d,"current":%s}\n' "$out" "${#U_LINES[@]}" "$U_SKIPPED" "$current"
}

history_main
