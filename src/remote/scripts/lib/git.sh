# shellcheck shell=bash
# ------------------------------------------------------------------ git
git_app() { git -c safe.directory="$U_APP" -C "$U_APP" "$@"; }

# head_commit VAR: VAR := the commit checked out in the app dir (empty when unknown).
head_commit() {
  local _hc
  _hc=$(git_app rev-parse --verify -q 'HEAD^{commit}' 2>/dev/null) || _hc=''
  printf -v "$1" '%s' "$_hc"
}

# checkout_commit SHA: the exact commit, detached, tracked files as committed. Untracked files,
# ignored or not (.env and such), are the operator's: never deleted, never overwritten (git refuses
# and names them when the commit tracks one).
checkout_commit() {
  git_app reset --quiet --hard && git_app checkout --quiet --no-overwrite-ignore --detach "$1" && compose_logging
}

# warn_untracked: name the untracked files .gitignore does not list (a build may pick them up).
warn_untracked() {
  local out line n=0 names=''
  out=$(git_app --no-optional-locks status --porcelain --untracked-files=normal 2>/dev/null) || return 0
  while IFS= read -r line; do
    [[ $line == '?? '* ]] || continue
    n=$((n + 1))
    ((n > 5)) || names+="${names:+, }${line#?? }"
  done <<<"$out"
  ((n == 0)) || warn "$n untracked file(s) in $U_APP not listed in .gitignore may change the build: $names$( ((n <= 5)) || printf ', ...'); kept as they are"
}

# git_err FILE: git's error output on one line (it names the files it refused to touch).
git_err() { tr -s '\n\t' '  ' <"$1"; }
