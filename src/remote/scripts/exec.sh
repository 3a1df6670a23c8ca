# shellcheck shell=bash
# exec.sh: run one command in the app dir, for `upsc exec`. The command arrives as argv words
# (UPSC_EXEC_COUNT, UPSC_EXEC_1 ... UPSC_EXEC_<n>) and runs as "${argv[@]}": no eval, no extra
# shell, no function of lib.sh (`command`). Its stdin is /dev/null; UPSC_EXEC_MERGE=1 sends stderr
# to stdout (one ordered stream, streamed live). Its exit code is this script's. Last on stdout,
# after a newline of our own: `::upsc result {"exitCode":N}`.
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

exec_main() {
  local n=${UPSC_EXEC_COUNT-} i var dir rc=0
  local -a argv=()
  [[ ${UPSC_EXEC_MERGE-} != 1 ]] || exec 2>&1
  if [[ ! $n =~ ^[1-9][0-9]{0,3}$ ]]; then
    printf 'upsc: UPSC_EXEC_COUNT must be a number from 1; got "%s"\n' "$n" >&2
    exit 2
  fi
  for ((i = 1; i <= n; i++)); do
    var=UPSC_EXEC_$i
    if [[ ! -v $var ]]; then
      printf 'upsc: %s is not set\n' "$var" >&2
      exit 2
    fi
    argv+=("${!var}")
    unset "$var"
  done
  unset UPSC_EXEC_COUNT UPSC_EXEC_MERGE
  dir=$(upsc_path "${UPSC_APP_DIR:-/opt/upscpro/upscapp-be}")
  if ! cd -- "$dir" 2>/dev/null; then
    printf 'upsc: cannot enter the app dir %s on this host\n' "$dir" >&2
    rc=1
  else
    command -- "${argv[@]}" </dev/null || rc=$?
  fi
  printf '\n::upsc result {"exitCode":%d}\n' "$rc"
  exit "$rc"
}

exec_main
