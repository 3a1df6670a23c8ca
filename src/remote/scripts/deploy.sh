# shellcheck shell=bash
# deploy.sh: fetch, build, start and health-gate a branch (or commit) of the app on this host;
# roll back automatically to the previous succeeded deployment when the new one is unhealthy.
# Runs after lib.sh in the same bash. Settings, report lines and exit codes: REMOTE-CONTRACT.md.
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

U_PHASE=pre      # pre: the running stack is untouched; up: it is being (or was) replaced
U_MOVED=0        # the checkout left the running commit (attempt_restore puts it back)
U_TAGS_MOVED=0   # a build ran: the images' "latest" tags may have moved (attempt_restore puts them back)
U_TOKEN_B64=''   # base64 of x-access-token:<token>, for one git call's header; never printed

deploy_validate() {
  U_BRANCH=${UPSC_BRANCH:-}
  local bad=''
  [[ -n $U_BRANCH || -n ${UPSC_REF:-} || ${UPSC_KEEP_COMMIT:-} == 1 ]] || bad='UPSC_BRANCH (or UPSC_REF) is required'
  [[ -z $U_BRANCH ]] || valid_branch "$U_BRANCH" || bad='UPSC_BRANCH is not a valid branch name'
  [[ -z ${UPSC_REF:-} ]] || valid_ref "$UPSC_REF" || bad='UPSC_REF is not a commit id (4 to 64 hex digits)'
  [[ ${UPSC_TOKEN_PARAMETER:-x} =~ ^/?[A-Za-z0-9_.][A-Za-z0-9_./-]*$ ]] || bad='UPSC_TOKEN_PARAMETER is invalid'
  [[ ${UPSC_ENV_PARAMETER:-x} =~ ^/?[A-Za-z0-9_.][A-Za-z0-9_./-]*$ ]] || bad='UPSC_ENV_PARAMETER is invalid'
  [[ ${UPSC_REGION:-x} =~ ^[a-z0-9-]+$ ]] || bad='UPSC_REGION is invalid'
  [[ -z $bad ]] || usage_fail "$bad"
}

# ------------------------------------------------------------------ token and fetch
# read_token: the GitHub token from SSM Parameter Store (via the instance role), format-checked;
# on failure F_REASON and F_ADVICE say why and what to do.
read_token() {
  local p=$UPSC_TOKEN_PARAMETER tok err
  if ! tok=$(aws ssm get-parameter --name="$p" --with-decryption \
    --query Parameter.Value --output text 2>"$U_TMP/aws.err"); then
    last_line err "$U_TMP/aws.err"
    F_REASON="could not read the GitHub token from SSM parameter $p: ${err:-aws cli failed}"
    F_ADVICE='check that it exists in this region and that the instance role allows ssm:GetParameter and kms:Decrypt'
    return 1
  fi
  if [[ ! $tok =~ ^(ghp_|github_pat_|gho_|ghs_|ghu_)[A-Za-z0-9_]{1,251}$ ]]; then
    F_REASON="the value of SSM parameter $p is not a GitHub token (expected a ghp_, github_pat_, gho_, ghs_ or ghu_ prefix); it was not used"
    F_ADVICE='store a GitHub token with read access to the repository in it'
    return 1
  fi
  U_TOKEN_B64=$(printf 'x-access-token:%s' "$tok" | base64 -w0)
}

# fetch_once: one `git fetch` of the branch (all branches for --ref). U_FETCH_CLASS classifies a
# failure: auth and missing are final (RETRY_STOP), network and other are retried.
# shellcheck disable=SC2317 # called through retry
fetch_once() {
  local rc=0 err refspec="+refs/heads/$U_BRANCH:refs/remotes/origin/$U_BRANCH"
  [[ -n ${UPSC_REF:-} ]] && refspec='+refs/heads/*:refs/remotes/origin/*'
  local -x GIT_TRACE=0 GIT_TRACE_CURL=0 GIT_CURL_VERBOSE=0
  local -x GIT_SSH_COMMAND=${GIT_SSH_COMMAND:-ssh -o BatchMode=yes}
  if [[ -n $U_TOKEN_B64 ]]; then
    # The token travels in this git's environment only: not argv, not .git/config, not the URL.
    local -x GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader
    local -x GIT_CONFIG_VALUE_0="Authorization: Basic $U_TOKEN_B64"
  fi
  # A stalled transfer (under 1 KB/s for 60 s) ends instead of hanging the deploy.
  run_child git_app -c http.lowSpeedLimit=1000 -c http.lowSpeedTime=60 fetch --no-tags origin "$refspec" \
    2>"$U_TMP/fetch.err" || rc=$?
  err=$(<"$U_TMP/fetch.err")
  [[ -n $err ]] && say "$err"
  ((rc == 0)) && return 0
  last_line U_FETCH_ERR "$U_TMP/fetch.err"
  case $err in
    *'Authentication failed'* | *'Invalid username or password'* | *' 401'* | *' 403'* | \
      *'could not read Username'* | *'could not read Password'* | *'Permission denied (publickey)'* | \
      *'Repository not found'*)
      U_FETCH_CLASS=auth
      return "$RETRY_STOP"
      ;;
    *"couldn't find remote ref"*)
      U_FETCH_CLASS=missing
      return "$RETRY_STOP"
      ;;
    *'Could not resolve host'* | *'Failed to connect'* | *'timed out'* | *'Connection refused'* | \
      *'Network is unreachable'* | *'Connection reset'* | *'Could not read from remote'* | *'too slow'*)
      U_FETCH_CLASS=network
      ;;
    *) U_FETCH_CLASS=other ;;
  esac
  return 1
}

# fetch_why: F_REASON and F_ADVICE for a failed fetch, by failure class.
fetch_why() {
  local p=${UPSC_TOKEN_PARAMETER:-} e=$U_FETCH_ERR
  F_ADVICE='see the git output above' F_REASON="git fetch failed: $e"
  case $U_FETCH_CLASS in
    auth)
      F_REASON="origin requires credentials and no token is configured: $e"
      F_ADVICE='a private repository needs a GitHub token parameter in the upsc config'
      if [[ -n $U_TOKEN_B64 ]]; then
        F_REASON="origin rejected the GitHub token from SSM parameter $p: $e"
        F_ADVICE="the token is invalid, expired or has no access to the repository: store a new token in $p"
      fi
      ;;
    missing)
      F_REASON="branch $U_BRANCH does not exist on origin" F_ADVICE='check the branch name and that it is pushed'
      ;;
    network)
      F_REASON="cannot reach origin (network unreachable): $e"
      F_ADVICE="check the instance's outbound access (DNS, NAT or internet route, security group, proxy), then deploy again"
      ;;
  esac
}

# resolve_commit: U_COMMIT := the exact commit to deploy.
resolve_commit() {
  local spec="refs/remotes/origin/$U_BRANCH"
  [[ -n ${UPSC_REF:-} ]] && spec=${UPSC_REF,,}
  U_COMMIT=$(git_app rev-parse --verify -q "$spec^{commit}" 2>/dev/null) && is_sha "$U_COMMIT"
}

# keep_commit: UPSC_KEEP_COMMIT=1 (upsc env push): deploy the running commit again, no fetch, no build.
keep_commit() {
  local info='' b=''
  U_COMMIT=$U_PREV
  [[ -f $U_CURRENT ]] && info=$(<"$U_CURRENT")
  json_get b "$info" branch
  json_unq U_BRANCH "$b"
  is_sha "$U_COMMIT"
}

# ------------------------------------------------------------------ failure paths
# fail_before_up STEP REASON ADVICE: the step failed and the running version was not touched:
# restore the checkout and tags, record, exit 1.
fail_before_up() {
  step_fail "$1" "$2" "${3:+$3; }the running version was not changed"
  attempt_restore
  attempt_end "$RC_FAILED" failed
}

# fail_after_up STEP REASON ADVICE: the new version is up but unhealthy: roll back to the newest
# succeeded deployment of another commit, reusing its images, unless UPSC_NO_ROLLBACK=1.
fail_after_up() {
  step_fail "$@"
  local failed=$1 reason=$2 n=${#U_STEP_NAMES[@]} target='' branch='' ok=0 commit=$U_COMMIT ub=$U_BRANCH
  U_RESULT_HC=${U_HC_JSON:-[]}
  # The one rollback-target rule, with the failed commit as the running one.
  if rollback_default "$commit"; then target=$U_COMMIT branch=$U_BRANCH; fi
  U_COMMIT=$commit U_BRANCH=$ub
  # A new .env on the same commit (upsc env push): back to the old .env on that commit.
  ((${U_ENV_CHANGED:-0})) && [[ $U_COMMIT == "$U_PREV" ]] && target=$U_PREV branch=$U_BRANCH
  [[ ${UPSC_NO_ROLLBACK:-} == 1 || -z $target ]] || env_restore
  if [[ ${UPSC_NO_ROLLBACK:-} == 1 || -z $target ]]; then
    U_ADVICE='no previous succeeded deployment to roll back to: fix and deploy again'
    [[ -n $target ]] && U_ADVICE='the failed version was left running: fix and deploy again, or upsc rollback'
    attempt_end "$RC_FAILED" failed
  fi
  warn "$failed failed: rolling back to ${target:0:12}"
  local started start_us
  iso_now started
  now_us start_us
  switch_to "$target" "$branch" rollback- && ok=1
  ((ok)) && { hooks_run POST_ROLLBACK "$target" "$U_COMMIT" || post_hook_failed post-rollback-hooks; }
  U_RB_HC=${U_HC_JSON:-[]}
  # The automatic rollback is an attempt of its own in the history, after the deploy's record.
  local rb_failed=$U_FAILED_STEP rb_reason=$U_REASON
  U_FAILED_STEP=$failed U_REASON=$reason
  ((ok)) && U_ROLLED_BACK_TO=$target
  attempt_record "$( ((ok)) && echo rolled-back || echo failed)" 0 "$n"
  local rebuilt=false
  ((U_REBUILT)) && rebuilt=true
  ((ok)) && rb_failed='' rb_reason=''
  record_write "$( ((ok)) && echo succeeded || echo failed)" "$n" "${#U_STEP_NAMES[@]}" "$U_ID-rollback" rollback "$branch" \
    "$target" "$U_COMMIT" "$started" "$start_us" "$rb_failed" "$rb_reason" '' true "$rebuilt" "$(attempt_extra)"
  if ((ok)); then
    U_REASON="$reason; rolled back to ${target:0:12}, which is healthy"
    U_ADVICE="${target:0:12} serves again; fix and deploy again"
    attempt_finish "$RC_ROLLED_BACK" rolled-back
  fi
  U_REASON="$reason; the automatic rollback to ${target:0:12} also failed: $rb_reason"
  U_ADVICE='see upsc status; upsc rollback --to <id>, or deploy a fix'
  attempt_finish "$RC_FAILED" failed
}

# ------------------------------------------------------------------ the deploy
deploy_main() {
  attempt_begin deploy
  U_COMMIT='' U_PREV='' U_ROLLED_BACK_TO='' U_RESULT_HC='[]'
  stop_on_signals attempt_restore attempt_record attempt_finish 'the stack may be partly updated: see upsc status'
  deploy_validate

  step_start lock
  lock_or_fail deploy "$U_BRANCH" || attempt_finish "$?" failed
  step_ok lock

  step_start docker
  wait_docker || fail_before_up docker "Docker did not become ready within ${UPSC_DOCKER_WAIT_SECONDS:-120}s: $U_DOCKER_ERR" \
    'see systemctl status docker and journalctl -u docker (upsc ssh)'
  step_ok docker "server $U_DOCKER_VERSION"
  running_commit U_PREV

  if [[ -n ${UPSC_TOKEN_PARAMETER:-} ]]; then
    step_start token
    read_token || fail_before_up token "$F_REASON" "$F_ADVICE"
    step_ok token "from SSM parameter $UPSC_TOKEN_PARAMETER"
  fi

  if [[ ${UPSC_KEEP_COMMIT:-} == 1 ]]; then
    keep_commit || fail_before_up fetch 'no running commit on this host' 'deploy a branch first'
  else
  step_start fetch
  git_app rev-parse --git-dir >/dev/null 2>&1 ||
    fail_before_up fetch "$U_APP is not a git checkout" 'bootstrap the host first'
  say "Fetching ${U_BRANCH:-all branches} from origin"
  retry 'git fetch' fetch_once || { fetch_why && fail_before_up fetch "$F_REASON" "$F_ADVICE"; }
  U_TOKEN_B64=''
  resolve_commit || fail_before_up fetch "commit ${UPSC_REF:-of origin/$U_BRANCH} not found or ambiguous" \
    'check the commit id'
  [[ -z ${UPSC_REF:-} || -z $U_BRANCH ]] || git_app merge-base --is-ancestor "$U_COMMIT" "refs/remotes/origin/$U_BRANCH" ||
    fail_before_up fetch "commit ${U_COMMIT:0:12} is not on branch $U_BRANCH" "pass the branch that holds it (git branch -r --contains ${U_COMMIT:0:12}), or leave out --ref"
  step_ok fetch "${U_COMMIT:0:12}"
  fi

  step_start checkout
  U_MOVED=1
  if ! checkout_commit "$U_COMMIT" 2>"$U_TMP/git.err"; then
    fail_before_up checkout "git checkout ${U_COMMIT:0:12} failed: $(git_err "$U_TMP/git.err")" \
      'move the files git names out of the app dir (upsc ssh), then deploy again'
  fi
  warn_untracked
  step_ok checkout "${U_COMMIT:0:12} $(git_app log -1 --format=%s "$U_COMMIT" 2>/dev/null)"

  if [[ -n ${UPSC_ENV_PARAMETER:-} ]]; then
    step_start env
    env_refresh || fail_before_up env "$F_REASON" 'check the parameter and that the instance role may read it (ssm:GetParameter, kms:Decrypt)'
    step_ok env "$( ((U_ENV_CHANGED)) && echo updated || echo unchanged) from SSM parameter $UPSC_ENV_PARAMETER"
  fi

  step_start config
  compose_check || fail_before_up config "docker compose config: ${U_COMPOSE_ERR:-failed}" 'fix the compose file (upsc validate checks it locally)'
  step_ok config
  hooks_run PRE_BUILD || fail_before_up pre-build-hooks "$U_HOOK_ERR" 'fix the hook, or deploy with --skip-hooks'

  if [[ ${UPSC_KEEP_COMMIT:-} != 1 ]]; then
    step_start build
    U_TAGS_MOVED=1
    # A full disk is the common build failure that is not the app's.
    build_images || fail_before_up build "build of ${U_COMMIT:0:12} failed" 'see the build output above; on "no space left on device": free disk space (upsc ssh; docker image prune -a), then deploy again'
    step_ok build
  fi

  step_start tag
  project_images || fail_before_up tag "$U_REASON" 'check the compose file'
  images_retag "$U_COMMIT" save || warn "no image to tag for: ${U_RETAG_MISSING[*]}"
  step_ok tag "$U_RETAGGED images tagged upsc-${U_COMMIT:0:12}"
  hooks_run PRE_DEPLOY || fail_before_up pre-deploy-hooks "$U_HOOK_ERR" 'fix the hook, or deploy with --skip-hooks'

  # Traffic services configured (bluegreen.sh): blueGreen's cutover finishes the run itself; an
  # inPlace deploy first retires the colours and the proxy, then goes on below.
  [[ -n ${UPSC_BG_COUNT:-} ]] && bg_deploy

  U_PHASE=up
  set_current "$U_COMMIT" "$U_BRANCH" "$U_ID"
  step_start up
  run_child compose up -d --remove-orphans || fail_after_up up 'docker compose up failed' 'see the compose output above'
  step_ok up

  step_start health
  health_gate || fail_after_up health "$U_GATE_REASON" 'see the failing checks and service logs above'
  step_ok health "$U_HC_N checks passed"
  U_RESULT_HC=$U_HC_JSON
  post_deploy_hooks fail_after_up 'the hook is set to roll back on failure'
  retention_step 1
  attempt_end "$RC_OK" succeeded
}

deploy_main
