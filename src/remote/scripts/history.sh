# shellcheck shell=bash
# history.sh: one page of the deployment history of this host, newest first, as one `::upsc result`
# line: {"records":[...],"total":N,"skipped":N,"next":N|null,"current":{...}|null[,"rollback":{...}]}.
# The page skips the newest UPSC_HISTORY_SKIP records and holds at most UPSC_HISTORY_LIMIT (20) of
# them, stopping before UPSC_HISTORY_MAX_CHARS (20000) characters of records (one record at least),
# so that a page always fits in what Run Command returns; "next" is the SKIP of the next page.
# "current" is current.json: what the stack was last started from. Torn lines are counted in
# "skipped". With UPSC_ROLLBACK_PLAN=1, "rollback" is what `upsc rollback` would do here:
# {"running":sha|null,"target":<record>|null,"problem":text|null} (rollback_target, with
# UPSC_ROLLBACK_TO when given).
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

history_main() {
  upsc_init
  local limit skip budget line i=0 n=0 out='' next=null current=null plan='' run rj tj=null pj=null
  setting_int limit UPSC_HISTORY_LIMIT 20
  setting_int skip UPSC_HISTORY_SKIP 0
  setting_int budget UPSC_HISTORY_MAX_CHARS 20000
  history_count
  while ((n < limit)) && IFS= read -r line; do
    record_complete "$line" || continue
    if ((i < skip)); then
      i=$((i + 1))
      continue
    fi
    ((n == 0 || ${#out} + ${#line} < budget)) || break
    out+="${out:+,}$line"
    n=$((n + 1))
  done < <(history_newest)
  ((skip + n < U_TOTAL)) && next=$((skip + n))
  [[ -f $U_CURRENT ]] && current=$(<"$U_CURRENT")
  [[ $current == '{'*'}' ]] || current=null
  if [[ ${UPSC_ROLLBACK_PLAN:-} == 1 ]]; then
    running_commit run
    if rollback_target "$run" "${UPSC_ROLLBACK_TO:-}"; then tj=$U_TARGET_LINE; else json_q pj "$U_TARGET_PROBLEM"; fi
    json_qn rj "$run"
    plan=",\"rollback\":{\"running\":$rj,\"target\":$tj,\"problem\":$pj}"
  fi
  ((U_SKIPPED == 0)) || warn "skipped $U_SKIPPED incomplete line(s) in the history"
  printf '::upsc result {"records":[%s],"total":%d,"skipped":%d,"next":%s,"current":%s%s}\n' \
    "$out" "$U_TOTAL" "$U_SKIPPED" "$next" "$current" "$plan"
}

history_main
