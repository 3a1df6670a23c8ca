# shellcheck shell=bash
# rollback.sh: put this host back on an earlier succeeded deployment, reusing the images tagged
# upsc-<sha> when it was deployed (no build; a rebuild only when they are gone, with a warning).
# Target: rollback_target (lib.sh), with UPSC_ROLLBACK_TO when given. Runs after lib.sh in the same bash.
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

U_PHASE=pre
U_TARGET_ID=''
U_MOVED=0 U_TAGS_MOVED=0 # set by switch_to: what attempt_restore puts back

rollback_validate() {
  [[ -z ${UPSC_ROLLBACK_TO:-} ]] || valid_id "$UPSC_ROLLBACK_TO" ||
    usage_fail 'UPSC_ROLLBACK_TO is not a deployment id or commit'
}

# find_target: U_COMMIT, U_TARGET_ID, U_BRANCH := the deployment to go back to (the one rule,
# rollback_target in lib.sh), or step_fail.
find_target() {
  rollback_target "$U_PREV" "${UPSC_ROLLBACK_TO:-}" && return 0
  step_fail target "$U_TARGET_PROBLEM" 'choose a succeeded deployment from upsc history, or deploy a branch instead'
  return 1
}

rollback_main() {
  attempt_begin rollback
  U_COMMIT='' U_PREV='' U_BRANCH='' U_RESULT_HC='[]' U_REBUILT=0
  stop_on_signals attempt_restore attempt_record attempt_finish 'the stack may be partly switched: check upsc status, then run upsc rollback again'
  rollback_validate

  step_start lock
  lock_or_fail rollback '' || attempt_finish "$?" failed
  step_ok lock

  # The target comes from history alone, so "nothing to roll back to" needs no Docker.
  running_commit U_PREV
  step_start target
  find_target || attempt_finish "$RC_FAILED" failed
  step_ok target "${U_PREV:0:12} -> ${U_COMMIT:0:12} ($U_TARGET_ID)"
  # blueGreen (bluegreen.sh): a warm colour on the target takes traffic now, before the docker step.
  [[ ${UPSC_STRATEGY:-} == blueGreen ]] && bg_rollback_switch

  step_start docker
  if ! wait_docker; then
    step_fail docker "Docker did not become ready within ${UPSC_DOCKER_WAIT_SECONDS:-120}s: $U_DOCKER_ERR" \
      'see systemctl status docker and journalctl -u docker (upsc ssh)'
    attempt_end "$RC_FAILED" failed
  fi
  step_ok docker "server $U_DOCKER_VERSION"
  # blueGreen (bluegreen.sh): the rest of the rollback through the colours; bg_rollback finishes it.
  [[ ${UPSC_STRATEGY:-} == blueGreen ]] && bg_rollback

  if ! switch_to "$U_COMMIT" "$U_BRANCH" ''; then
    U_RESULT_HC=${U_HC_JSON:-[]}
    if [[ $U_PHASE == pre ]]; then
      attempt_restore
      U_ADVICE="${U_ADVICE:+$U_ADVICE; }the running version was not changed"
    else
      U_ADVICE="${U_ADVICE:+$U_ADVICE; }${U_COMMIT:0:12} is running but unhealthy: roll back to another deployment (upsc rollback --to) or deploy a fix"
    fi
    attempt_end "$RC_FAILED" failed
  fi
  U_RESULT_HC=$U_HC_JSON
  hooks_run POST_ROLLBACK || post_hook_failed post-rollback-hooks
  attempt_end "$RC_OK" succeeded
}

rollback_main
