# shellcheck shell=bash
# ------------------------------------------------------------------ JSON (built in bash: no jq on hosts)
# json_q VAR VALUE: VAR := VALUE as a JSON string literal.
json_q() {
  local _jq_s=$2 _jq_c _jq_h _jq_i
  _jq_s=${_jq_s//\\/\\\\}
  _jq_s=${_jq_s//\"/\\\"}
  _jq_s=${_jq_s//$'\n'/\\n}
  _jq_s=${_jq_s//$'\r'/\\r}
  _jq_s=${_jq_s//$'\t'/\\t}
  if [[ $_jq_s == *[[:cntrl:]]* ]]; then
    for ((_jq_i = 1; _jq_i < 32; _jq_i++)); do
      printf -v _jq_h '%02x' "$_jq_i"
      printf -v _jq_c '%b' "\\x$_jq_h"
      _jq_s=${_jq_s//"$_jq_c"/\\u00$_jq_h}
    done
    _jq_s=${_jq_s//$'\177'/\\u007f}
  fi
  printf -v "$1" '"%s"' "$_jq_s"
}

# json_str VALUE: print VALUE as a JSON string literal.
json_str() {
  local _js
  json_q _js "$1"
  printf '%s' "$_js"
}

# json_qn VAR VALUE: like json_q, but null when VALUE is empty.
json_qn() {
  if [[ -z $2 ]]; then printf -v "$1" null; else json_q "$1" "$2"; fi
}

# json_n VAR VALUE: VAR := VALUE when it is a JSON number, else null.
json_n() {
  if [[ $2 =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?$ ]]; then printf -v "$1" '%s' "$2"; else printf -v "$1" null; fi
}

# json_b VAR TEST_RESULT: VAR := true when $2 is 1, else false.
json_b() { if [[ $2 == 1 ]]; then printf -v "$1" true; else printf -v "$1" false; fi; }

# json_kv VAR KEY VALUE...: append ,"KEY":<VALUE as a JSON string, or null if empty> to VAR, for
# each pair.
json_kv() {
  local -n _jk_out=$1
  local _jk_v
  shift
  while (($# > 1)); do
    json_qn _jk_v "$2"
    _jk_out+=",\"$1\":$_jk_v"
    shift 2
  done
}

# json_fields VAR KEY:NAME...: json_kv with the value of the variable NAME for each KEY.
json_fields() {
  local _jf_f _jf_k _jf_a=()
  for _jf_f in "${@:2}"; do
    _jf_k=${_jf_f#*:}
    _jf_a+=("${_jf_f%%:*}" "${!_jf_k-}")
  done
  json_kv "$1" "${_jf_a[@]}"
}

# json_get VAR JSON KEY: VAR := the raw JSON value (string literal, number, true/false/null) of KEY
# in a one-line object written by these scripts; empty when absent. A key inside a string cannot
# match: its quotes are escaped there.
json_get() {
  local _jg_re='"'$3'":("([^"\\]|\\.)*"|-?[0-9.]+|true|false|null)'
  if [[ $2 =~ $_jg_re ]]; then printf -v "$1" '%s' "${BASH_REMATCH[1]}"; else printf -v "$1" ''; fi
}

# json_unq VAR LITERAL: VAR := the text of a JSON string literal (simple escapes only); empty for null.
json_unq() {
  local _ju_s=$2
  if [[ $_ju_s != \"*\" ]]; then printf -v "$1" ''; return; fi
  _ju_s=${_ju_s:1:${#_ju_s}-2}
  _ju_s=${_ju_s//\\n/ }
  _ju_s=${_ju_s//\\t/ }
  _ju_s=${_ju_s//\\\"/\"}
  _ju_s=${_ju_s//\\\\/\\}
  printf -v "$1" '%s' "$_ju_s"
}
