# shellcheck shell=bash
# ------------------------------------------------------------------ redaction
# redact [SECRETS_FILE]: copy stdin to stdout, line by line, masking what looks like a credential:
# GitHub tokens, AWS access key ids, NAME=value where NAME has TOKEN, SECRET or PASSWORD in it, and
# each value (6+ characters, not a number or a JSON word) listed in SECRETS_FILE. The CLI's
# twin is src/util/redact.ts; test/remote/scripts/redact.test.ts holds both to the same cases.
redact() {
  # mawk reads a pipe in blocks unless interactive: lines would only show at the end.
  [[ -n ${U_AWK_MODE-} ]] || { command awk -W version 2>&1 | command grep -q mawk && U_AWK_MODE=interactive || U_AWK_MODE=none; }
  local i=()
  [[ $U_AWK_MODE == none ]] || i=(-W interactive)
  command awk "${i[@]}" -v f="${1-}" '
BEGIN { while (f != "" && (getline s < f) > 0) if (length(s) > 5 && s !~ /^([0-9.]+|true|false|null)$/) v[++n] = s }
{ l = $0
  for (i = 1; i <= n; i++) while ((p = index(l, v[i])) > 0) l = substr(l, 1, p - 1) "***" substr(l, p + length(v[i]))
  gsub(/(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/, "***", l)
  gsub(/(AKIA|ASIA)[A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9]/, "***", l)
  o = ""
  while (match(l, /[A-Za-z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|token|secret|password)[A-Za-z0-9_]*=/)) {
    o = o substr(l, 1, RSTART + RLENGTH - 1) "***"; l = substr(l, RSTART + RLENGTH)
    if (match(l, /^("[^"]*"|\047[^\047]*\047|[^ \t"\047,;&]+)/)) l = substr(l, RLENGTH + 1)
  }
  print o l; fflush() }'
}

# env_secrets FILE: the values of FILE's NAME=value lines whose NAME has TOKEN, SECRET or PASSWORD.
env_secrets() {
  [[ -r $1 ]] || return 0
  command sed -nE 's/^[[:space:]]*(export[[:space:]]+)?[A-Za-z0-9_]*(TOKEN|SECRET|PASSWORD|PASSWD|token|secret|password)[A-Za-z0-9_]*[[:space:]]*=[[:space:]]*//p' "$1" |
    command sed -E "s/^[\"']//; s/[\"'][[:space:]]*$//"
}

# filter_output NAME CMD...: from now on this script's output goes through CMD. The filter ignores
# Ctrl-C and cancel signals, so the last lines still pass, and it is not our child (a FIFO, not
# >(...), which can leave a cancelled run waiting on it forever). on_exit lets it drain (NAME.on goes
# when it is done).
# shellcheck disable=SC2034 # U_FILTERED: read by on_exit (settings.sh)
filter_output() {
  local name=$1
  shift
  mkfifo -m 600 "$U_TMP/$name" || return 0
  : >"$U_TMP/$name.on"
  (
    trap '' TERM INT HUP
    { "$@"; rm -f "$U_TMP/$name.on"; } <"$U_TMP/$name" &
  )
  exec >"$U_TMP/$name" 2>&1
  U_FILTERED=1
}

# redact_output: from now on this script's output goes through `redact` with the app's .env secrets.
redact_output() {
  env_secrets "$U_APP/.env" >"$U_TMP/secrets"
  redact '' </dev/null # sets U_AWK_MODE once for this script
  filter_output out redact "$U_TMP/secrets"
}
