# shellcheck shell=bash
# ------------------------------------------------------------------ an attempt (deploy, rollback)
# One deploy or rollback run (U_KIND): how it undoes a failure before `up`, what it records, how it
# ends. deploy.sh, rollback.sh and bluegreen.sh share them; the signal trap calls them too.

# attempt_begin KIND: start a deploy or rollback run: one ordered log stream (build and compose
# progress go to stderr) copied to deploy.log and redacted, its start time, kind and id.
attempt_begin() {
  exec 2>&1
  upsc_init
  deploy_log
  redact_output
  U_STARTED='' U_START_US=''
  now_us U_START_US
  iso_now U_STARTED
  U_KIND=$1
  new_id U_ID "$1"
}

# attempt_restore: after a failure before `up`, put back what this run moved, so the host is as it
# was: the .env (env_refresh), the checkout (U_MOVED) and the images' tags (U_TAGS_MOVED: a build or
# a restore moves them) on the running commit.
attempt_restore() {
  env_restore
  [[ -n $U_PREV ]] || return 0
  if ((${U_MOVED:-0})) && checkout_commit "$U_PREV" 2>/dev/null; then
    say "Checkout back on ${U_PREV:0:12}"
  fi
  if ((${U_TAGS_MOVED:-0})) && project_images && images_retag "$U_PREV" restore; then
    say "Image tags back on upsc-${U_PREV:0:12}"
  fi
}

# attempt_extra: the fields every record of this run ends with: hooksSkipped (--skip-hooks) and,
# on blueGreen, the colour that went live (U_BG_COLOUR, set by bg_json).
attempt_extra() {
  [[ ${UPSC_SKIP_HOOKS:-} == 1 ]] && printf ',"hooksSkipped":true'
  [[ -z ${U_BG_COLOUR:-} ]] || printf ',"colour":%s' "$(json_str "$U_BG_COLOUR")"
}

# attempt_record OUTCOME [FROM TO]: append this run's history record (steps FROM..TO-1, default all).
# Only a rollback says whether it rebuilt; a deploy's rolledBackTo is its automatic rollback's target.
attempt_record() {
  local rebuilt=false
  [[ $U_KIND == rollback ]] && ((${U_REBUILT:-0})) && rebuilt=true
  record_write "$1" "${2:-0}" "${3:-${#U_STEP_NAMES[@]}}" "$U_ID" "$U_KIND" "$U_BRANCH" "$U_COMMIT" "$U_PREV" \
    "$U_STARTED" "$U_START_US" "$U_FAILED_STEP" "$U_REASON" "${U_ROLLED_BACK_TO:-}" false "$rebuilt" "$(attempt_extra)"
}

# attempt_finish CODE OUTCOME: the result line, then exit (the EXIT trap releases the lock).
attempt_finish() {
  local lock=null extra tid rebuilt
  [[ -n $U_LOCK_HOLDER && $1 == "$RC_LOCKED" ]] && lock=$U_LOCK_HOLDER
  if [[ $U_KIND == rollback ]]; then
    json_qn tid "${U_TARGET_ID:-}"
    json_b rebuilt "${U_REBUILT:-0}"
    extra="\"targetId\":$tid,\"rebuilt\":$rebuilt,\"lock\":$lock"
  else
    extra="\"lock\":$lock,\"rollbackHealthChecks\":${U_RB_HC:-null}"
  fi
  result_line "$U_KIND" "$1" "$2" "$extra${U_BG_JSON:+,\"blueGreen\":$U_BG_JSON}"
  exit "$1"
}

# attempt_end CODE OUTCOME: record the run with OUTCOME, then finish with CODE.
attempt_end() {
  attempt_record "$2"
  attempt_finish "$1" "$2"
}

# retention_step MIN: the retention step after a deploy: keep the images of the last UPSC_KEEP_IMAGES
# (5) succeeded commits, at least MIN (blueGreen: 2, its warm colour's too).
retention_step() {
  local keep
  step_start retention
  setting_int keep UPSC_KEEP_IMAGES 5
  ((keep >= $1)) || keep=$1
  succeeded_commits $((keep + 1))
  retention "$keep" "$U_COMMIT"
  step_ok retention "$U_RETENTION_DETAIL"
}

# post_deploy_hooks FAIL ADVICE: the post-deploy hooks. A failure is reported and the deploy stands,
# unless the hook is set to roll back on failure: then FAIL STEP REASON ADVICE ends the deploy.
post_deploy_hooks() {
  hooks_run POST_DEPLOY && return 0
  ((U_HOOK_ROLLBACK)) && "$1" post-deploy-hooks "$U_HOOK_ERR" "$2"
  post_hook_failed post-deploy-hooks
}
