# shellcheck shell=bash
# ------------------------------------------------------------------ what runs (current.json)
# running_commit VAR: VAR := the commit the stack was last started from (current.json), else HEAD.
running_commit() {
  local _rc_info='' _rc_c=''
  [[ -f $U_CURRENT ]] && _rc_info=$(<"$U_CURRENT")
  json_get _rc_c "$_rc_info" commit
  json_unq _rc_c "$_rc_c"
  is_sha "$_rc_c" || head_commit _rc_c
  printf -v "$1" '%s' "$_rc_c"
}

# set_current SHA BRANCH ID: remember what the stack runs (written before each `up`).
set_current() {
  local since info=''
  iso_now since
  json_kv info commit "$1" branch "$2" id "$3" since "$since"
  mkdir -p -- "$U_STATE"
  printf '{%s}\n' "${info#,}" >"$U_CURRENT.tmp" && mv -f -- "$U_CURRENT.tmp" "$U_CURRENT"
}
