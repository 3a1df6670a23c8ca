# shellcheck shell=bash
# ------------------------------------------------------------------ switching versions (deploy, rollback)
# switch_to SHA BRANCH PREFIX: check out SHA, reuse its upsc-<sha> images (rebuild only when they
# are gone), start it and run the health gate. Steps are named PREFIX{checkout,restore,build,tag,up,health}.
# Returns 0 healthy, 1 failed (U_REASON etc. set by step_fail).
# shellcheck disable=SC2034 # U_REBUILT, U_MOVED, U_TAGS_MOVED, U_PHASE: read by attempt.sh and the signal trap
switch_to() {
  local sha=$1 branch=$2 p=$3 subject
  U_REBUILT=0 U_MOVED=1
  step_start "${p}checkout"
  if ! checkout_commit "$sha" 2>"$U_TMP/git.err"; then
    step_fail "${p}checkout" "git checkout ${sha:0:12} failed: $(git_err "$U_TMP/git.err")" \
      'deploy it again (upsc deploy --ref)'
    return 1
  fi
  subject=$(git_app log -1 --format=%s "$sha" 2>/dev/null)
  step_ok "${p}checkout" "${sha:0:12} $subject"

  step_start "${p}restore"
  if ! project_images; then
    step_fail "${p}restore" "$U_REASON" 'check the compose file of that commit'
    return 1
  fi
  U_TAGS_MOVED=1
  if images_retag "$sha" restore; then
    step_ok "${p}restore" "reused $U_RETAGGED images tagged upsc-${sha:0:12}"
  else
    step_ok "${p}restore" "missing upsc-${sha:0:12} images: ${U_RETAG_MISSING[*]}"
    warn "images tagged upsc-${sha:0:12} are missing (${U_RETAG_MISSING[*]}): rebuilding them"
    U_REBUILT=1
    step_start "${p}build"
    if ! build_images; then
      step_fail "${p}build" "build of ${sha:0:12} failed" 'see the build output above'
      return 1
    fi
    step_ok "${p}build"
    images_retag "$sha" save
  fi

  U_PHASE=up
  set_current "$sha" "$branch" "$U_ID"
  step_start "${p}up"
  if ! run_child compose up -d --remove-orphans --no-build; then
    step_fail "${p}up" 'docker compose up failed' 'see the compose output above'
    return 1
  fi
  step_ok "${p}up"

  step_start "${p}health"
  if ! health_gate; then
    step_fail "${p}health" "$U_GATE_REASON" 'see the failing checks and service logs above'
    return 1
  fi
  step_ok "${p}health" "$U_HC_N checks passed"
}

# retention KEEP_N CURRENT: keep the upsc-<sha> images of the last KEEP_N succeeded
# deployments (CURRENT counts as the newest); never those of CURRENT or of the rollback target
# (rollback_pick). Needs succeeded_commits and project_images.
# shellcheck disable=SC2034 # U_RETENTION_DETAIL: read by its callers
retention() {
  local n=$1 keep=' ' c img tags tag removed=0 kept=1 t
  keep+="${2:0:12} "
  if rollback_pick t "$2"; then
    keep+="${U_OK_COMMITS[t]:0:12} "
    kept=$((kept + 1))
  fi
  for c in "${U_OK_COMMITS[@]}"; do
    ((kept < n)) || break
    [[ $keep == *" ${c:0:12} "* ]] && continue
    keep+="${c:0:12} "
    kept=$((kept + 1))
  done
  for img in "${U_IMAGES[@]}"; do
    image_split "$img"
    tags=$(docker image ls --format '{{.Tag}}' --filter "reference=$U_REPO:upsc-*" 2>/dev/null) || continue
    while IFS= read -r tag; do
      [[ $tag == upsc-* && $keep != *" ${tag#upsc-} "* ]] || continue
      # U_DRY=1 (prune --dry-run): count, remove nothing. U_RM_TAGS: what went.
      ((${U_DRY:-0})) || docker image rm "$U_REPO:$tag" >/dev/null 2>&1 || continue
      removed=$((removed + 1)) U_RM_TAGS+=("$U_REPO:$tag")
    done <<<"$tags"
  done
  U_RETENTION_DETAIL="kept the images of $kept commits, removed $removed tags"
}
