# shellcheck shell=bash
# ------------------------------------------------------------------ hooks
# hooks_run POINT [COMMIT PREVIOUS]: the stage's hooks at POINT (PRE_BUILD PRE_DEPLOY POST_DEPLOY POST_ROLLBACK), step
# <point>-hooks: each the argv UPSC_HOOK_<POINT>_<i>_<j> (j to _ARGC; never through a shell) in the
# app dir like the build, within _TIMEOUT seconds (300). 1: one failed (U_HOOK_ERR; the step is left
# open for the caller; U_HOOK_ROLLBACK=1 when its _ROLLBACK is 1). UPSC_SKIP_HOOKS=1: none run.
# shellcheck disable=SC2034 # U_HOOK_ERR, U_HOOK_ROLLBACK: its results, read by its callers
hooks_run() {
  local p=$1 n i j argc t v rc argv step=${1,,} c=${2-$U_COMMIT} pc=${3-$U_PREV}
  step=${step//_/-}-hooks U_HOOK_ROLLBACK=0
  setting_int n "UPSC_HOOK_${p}_COUNT" 0
  ((n > 0)) || return 0
  step_start "$step"
  [[ ${UPSC_SKIP_HOOKS:-} == 1 ]] && { step_ok "$step" "$n skipped (--skip-hooks)" && return 0; }
  for ((i = 1; i <= n; i++)); do
    setting_int argc "UPSC_HOOK_${p}_${i}_ARGC" 0
    setting_int t "UPSC_HOOK_${p}_${i}_TIMEOUT" 300
    argv=()
    for ((j = 1; j <= argc; j++)); do
      v=UPSC_HOOK_${p}_${i}_$j
      argv+=("${!v-}")
    done
    say "Hook ${step%-hooks} $i: ${argv[*]}"
    rc=0
    COMPOSE_FILE=$U_CFILE COMPOSE_PROJECT_NAME=$U_PROJECT UPSC_COMMIT=$c UPSC_PREVIOUS_COMMIT=$pc \
      run_child build_in_app timeout -k 10 "$t" "${argv[@]}" </dev/null || rc=$?
    ((rc == 0)) && continue
    v="exit $rc"
    ((rc == 124)) && v="timed out after ${t}s"
    ((rc == 127)) && v='command not found'
    U_HOOK_ERR="${step%-hooks} hook $i (${argv[0]-}) failed: $v"
    v=UPSC_HOOK_${p}_${i}_ROLLBACK
    [[ ${!v-} == 1 ]] && U_HOOK_ROLLBACK=1
    return 1
  done
  step_ok "$step" "$n passed"
}

# post_hook_failed STEP: a post-hook failed: the step fails, the outcome stands.
post_hook_failed() {
  _step_end "$1" fail "$U_HOOK_ERR"
  warn "$U_HOOK_ERR: reported only, no rollback"
}
