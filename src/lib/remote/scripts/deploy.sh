# shellcheck shell=bash
# deploy.sh: fetch, build, start and health-gate a branch (or commit) of the app on this host;
# roll back automatically to the previous succeeded deployment when the new one is unhealthy.
# Runs after lib.sh in the same bash. Settings, report lines and exit codes: REMOTE-CONTRACT.md.
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

U_PHASE=pre      # pre: the running stack is untouched; up: it is being (or was) replaced
U_MOVED=0        # the checkout left the running commit
U_BUILT=0        # a build ran (the images' "latest" tags may have moved)
U_TOKEN_B64=''   # base64 of x-access-token:<token>, for one git call's header; never printed

# ------------------------------------------------------------------ settings
deploy_validate() {
  U_BRANCH=${UPSC_BRANCH:-}
  local ref=${UPSC_REF:-} p=${UPSC_TOKEN_PARAMETER:-}
  if [[ -z $U_BRANCH && -z $ref ]]; then
    usage_fail 'UPSC_BRANCH (or UPSC_REF) is required'
  elif [[ -n $U_BRANCH ]] && ! valid_branch "$U_BRANCH"; then
    usage_fail 'UPSC_BRANCH is not a valid git branch name'
  elif [[ -n $ref ]] && ! valid_ref "$ref"; then
    usage_fail 'UPSC_REF must be a commit id or a prefix of one (4 to 64 hex digits)'
  elif [[ -n $p ]] && ! valid_param "$p"; then
    usage_fail 'UPSC_TOKEN_PARAMETER is not a valid SSM parameter name'
  elif [[ -n ${UPSC_REGION:-} && ! $UPSC_REGION =~ ^[a-z0-9-]{1,32}$ ]]; then
    usage_fail 'UPSC_REGION is not a valid region name'
  fi
}

usage_fail() {
  step_fail validate "$1" 'the CLI should have rejected this setting: please report it'
  deploy_finish "$RC_USAGE" failed
}

# ------------------------------------------------------------------ token and fetch
# read_token: the GitHub token from SSM Parameter Store (via the instance role), format-checked.
read_token() {
  local p=$UPSC_TOKEN_PARAMETER tok err region=()
  [[ -n ${UPSC_REGION:-} ]] && region=(--region "$UPSC_REGION")
  if ! tok=$(aws ssm get-parameter "${region[@]}" --name="$p" --with-decryption \
    --query Parameter.Value --output text 2>"$U_TMP/aws.err"); then
    last_line err "$U_TMP/aws.err"
    step_fail token "could not read the GitHub token from SSM parameter $p: ${err:-aws cli failed}" \
      'check that the parameter exists in this region and that the instance role allows ssm:GetParameter (and kms:Decrypt for a SecureString)'
    return 1
  fi
  if [[ ! $tok =~ ^(ghp_|github_pat_|gho_|ghs_|ghu_)[A-Za-z0-9_]{1,251}$ ]]; then
    step_fail token "the value of SSM parameter $p is not a GitHub token (expected a ghp_, github_pat_, gho_, ghs_ or ghu_ prefix); it was not used" \
      'store a GitHub personal access token (or app token) with read access to the repository in that parameter'
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
  run_child git_app fetch --no-tags origin "$refspec" 2>"$U_TMP/fetch.err" || rc=$?
  err=$(<"$U_TMP/fetch.err")
  [[ -n $err ]] && say "$err"
  ((rc == 0)) && return 0
  last_line U_FETCH_ERR "$U_TMP/fetch.err"
  case $err in
    *'Authentication failed'* | *'Invalid username or password'* | *'HTTP 401'* | *'HTTP 403'* | \
      *'error: 401'* | *'error: 403'* | *'could not read Username'* | *'could not read Password'* | \
      *'Permission denied (publickey)'* | *'Repository not found'*)
      U_FETCH_CLASS=auth
      return "$RETRY_STOP"
      ;;
    *"couldn't find remote ref"*)
      U_FETCH_CLASS=missing
      return "$RETRY_STOP"
      ;;
    *'Could not resolve host'* | *'Failed to connect'* | *'timed out'* | *'Connection refused'* | \
      *'Network is unreachable'* | *'Connection reset'* | *'Could not read from remote'*)
      U_FETCH_CLASS=network
      ;;
    *) U_FETCH_CLASS=other ;;
  esac
  return 1
}

# fetch_fail: say why the fetch failed and what to do, by failure class.
fetch_fail() {
  local p=${UPSC_TOKEN_PARAMETER:-}
  case $U_FETCH_CLASS in
    auth)
      if [[ -n $U_TOKEN_B64 ]]; then
        step_fail fetch "origin rejected the GitHub token from SSM parameter $p: $U_FETCH_ERR" \
          "the token is invalid, expired or has no access to the repository: store a new token in $p"
      else
        step_fail fetch "origin requires credentials and no token is configured: $U_FETCH_ERR" \
          'the repository is private: set a GitHub token parameter (SSM SecureString) in the upsc config'
      fi
      ;;
    missing)
      step_fail fetch "branch $U_BRANCH does not exist on origin" 'check the branch name and that it is pushed'
      ;;
    network)
      step_fail fetch "cannot reach origin (network unreachable): $U_FETCH_ERR" \
        "check the instance's outbound access (DNS, route to the internet or NAT, security group, proxy) and GitHub's status, then deploy again"
      ;;
    *)
      step_fail fetch "git fetch failed: $U_FETCH_ERR" 'see the git output above'
      ;;
  esac
}

# resolve_commit: U_COMMIT := the exact commit to deploy.
resolve_commit() {
  local spec="refs/remotes/origin/$U_BRANCH"
  [[ -n ${UPSC_REF:-} ]] && spec=${UPSC_REF,,}
  U_COMMIT=$(git_app rev-parse --verify -q "$spec^{commit}" 2>/dev/null) && is_sha "$U_COMMIT"
}

# ------------------------------------------------------------------ failure paths
# restore_running: after a failure before `up`, put the checkout (and the images' tags, which a
# build moves) back on the running commit, so the host is as it was.
restore_running() {
  [[ -n $U_PREV ]] || return 0
  if ((U_MOVED)) && checkout_commit "$U_PREV" 2>/dev/null; then
    say "Checkout restored to the running commit ${U_PREV:0:12}"
  fi
  if ((U_BUILT)) && project_images && images_restore "$U_PREV"; then
    say "Image tags restored to upsc-${U_PREV:0:12}"
  fi
}

# fail_before_up STEP REASON ADVICE: the step failed and the running version was not touched:
# restore the checkout and tags, record, exit 1.
fail_before_up() {
  step_fail "$1" "$2" "${3:+$3; }the running version was not changed"
  restore_running
  deploy_record failed
  deploy_finish "$RC_FAILED" failed
}

# fail_after_up STEP REASON ADVICE: the new version is up but unhealthy: roll back to the newest
# succeeded deployment of another commit, reusing its images, unless UPSC_NO_ROLLBACK=1.
fail_after_up() {
  step_fail "$@"
  local failed=$1 reason=$2 n=${#U_STEP_NAMES[@]} target='' branch='' i ok=0
  U_RESULT_HC=${U_HC_JSON:-[]}
  succeeded_commits
  for i in "${!U_OK_COMMITS[@]}"; do
    [[ ${U_OK_COMMITS[i]} == "$U_COMMIT" ]] && continue
    target=${U_OK_COMMITS[i]} branch=${U_OK_BRANCHES[i]}
    break
  done
  if [[ ${UPSC_NO_ROLLBACK:-} == 1 || -z $target ]]; then
    U_ADVICE='no previous succeeded deployment to roll back to: the failed version is running; fix and deploy again'
    [[ -n $target ]] && U_ADVICE='the failed version was left running (no-rollback): fix and deploy again, or run upsc rollback'
    deploy_record failed
    deploy_finish "$RC_FAILED" failed
  fi
  warn "deploy of ${U_COMMIT:0:12} failed its $failed step: rolling back to ${target:0:12}"
  local started start_us
  iso_now started
  now_us start_us
  switch_to "$target" "$branch" rollback- && ok=1
  U_RB_HC=${U_HC_JSON:-[]}
  # The automatic rollback is an attempt of its own in the history, after the deploy's record.
  local rb_failed=$U_FAILED_STEP rb_reason=$U_REASON
  U_FAILED_STEP=$failed U_REASON=$reason
  ((ok)) && U_ROLLED_BACK_TO=$target
  deploy_record "$( ((ok)) && echo rolled-back || echo failed)" 0 "$n"
  R_ID=$U_ID-rollback R_KIND=rollback R_BRANCH=$branch R_COMMIT=$target R_PREV=$U_COMMIT
  R_STARTED=$started R_START_US=$start_us R_AUTO=true R_REBUILT=false R_ROLLED_BACK_TO=''
  R_FAILED_STEP=$rb_failed R_REASON=$rb_reason
  ((U_REBUILT)) && R_REBUILT=true
  if ((ok)); then
    R_FAILED_STEP='' R_REASON=''
    record_write succeeded "$n" "${#U_STEP_NAMES[@]}"
    U_REASON="$reason; rolled back to ${target:0:12}, which is healthy"
    U_ADVICE="${target:0:12} is serving again; fix ${U_BRANCH:-the commit} and deploy again (upsc logs, upsc history)"
    deploy_finish "$RC_ROLLED_BACK" rolled-back
  fi
  record_write failed "$n" "${#U_STEP_NAMES[@]}"
  U_REASON="$reason; the automatic rollback to ${target:0:12} also failed: $rb_reason"
  U_ADVICE='the host may be down: check upsc status, then upsc rollback --to <id> or deploy a fix'
  deploy_finish "$RC_FAILED" failed
}

# deploy_record OUTCOME [FROM TO]: append the deploy's history record (steps FROM..TO-1, default all).
deploy_record() {
  R_ID=$U_ID R_KIND=deploy R_BRANCH=$U_BRANCH R_COMMIT=$U_COMMIT R_PREV=$U_PREV R_STARTED=$U_STARTED
  R_START_US=$U_START_US R_ROLLED_BACK_TO=$U_ROLLED_BACK_TO R_AUTO=false R_REBUILT=false
  R_FAILED_STEP=$U_FAILED_STEP R_REASON=$U_REASON
  record_write "$1" "${2:-0}" "${3:-${#U_STEP_NAMES[@]}}"
}

# deploy_finish CODE OUTCOME: the result line, then exit (the EXIT trap releases the lock).
deploy_finish() {
  local extra='' lock=null
  [[ -n $U_LOCK_HOLDER && $1 == "$RC_LOCKED" ]] && lock=$U_LOCK_HOLDER
  extra="\"lock\":$lock,\"rollbackHealthChecks\":${U_RB_HC:-null}"
  result_line deploy "$1" "$2" "$extra"
  exit "$1"
}

# on_signal SIG: Run Command cancel (or Ctrl-C) ends the deploy: undo what is undoable, record
# the attempt as interrupted, release the lock (EXIT trap) and exit 130.
# shellcheck disable=SC2317 # called by the traps
on_signal() {
  trap '' TERM INT HUP
  kill_child
  if [[ -n $U_CUR_STEP ]]; then
    step_fail "$U_CUR_STEP" "interrupted by SIG$1"
  else
    U_REASON="interrupted by SIG$1"
  fi
  if ((U_LOCKED)); then
    if [[ $U_PHASE == pre ]]; then
      restore_running
      U_ADVICE='the running version was not changed; deploy again'
    else
      U_ADVICE='the stack may be partly updated: check upsc status, then deploy again or run upsc rollback'
    fi
    deploy_record interrupted
  fi
  deploy_finish "$RC_INTERRUPTED" interrupted
}

# ------------------------------------------------------------------ the deploy
deploy_main() {
  exec 2>&1 # one ordered log stream (build and compose progress go to stderr)
  upsc_init
  U_STARTED='' U_START_US=''
  now_us U_START_US
  iso_now U_STARTED
  new_id U_ID deploy
  U_COMMIT='' U_PREV='' U_ROLLED_BACK_TO='' U_RESULT_HC='[]'
  deploy_validate
  trap 'on_signal TERM' TERM
  trap 'on_signal INT' INT
  trap 'on_signal HUP' HUP

  step_start lock
  local rc=0
  lock_acquire deploy "$U_ID" "$U_BRANCH" || rc=$?
  if ((rc == 1)); then
    step_fail lock "deploy lock held by $(lock_describe)" \
      'another deploy or rollback is running: wait for it (upsc lock status), or release a stuck lock with upsc lock release'
    deploy_finish "$RC_LOCKED" failed
  elif ((rc != 0)); then
    step_fail lock "cannot open the lock file $U_LOCK_FILE" "check that $U_STATE is writable by root"
    deploy_finish "$RC_FAILED" failed
  fi
  step_ok lock

  step_start docker
  if ! wait_docker; then
    step_fail docker "Docker did not become ready within ${UPSC_DOCKER_WAIT_SECONDS:-120}s: $U_DOCKER_ERR" \
      'check the daemon on the host: systemctl status docker; journalctl -u docker (upsc ssh)'
    fail_before_up
  fi
  step_ok docker "server $U_DOCKER_VERSION"

  if ! git_app rev-parse --git-dir >/dev/null 2>&1; then
    step_start fetch
    step_fail fetch "$U_APP is not a git checkout" 'bootstrap the host first (clone the repository into the app dir)'
    fail_before_up
  fi
  running_commit U_PREV

  if [[ -n ${UPSC_TOKEN_PARAMETER:-} ]]; then
    step_start token
    read_token || fail_before_up
    step_ok token "from SSM parameter $UPSC_TOKEN_PARAMETER"
  fi

  step_start fetch
  say "Fetching ${U_BRANCH:-all branches} from origin"
  if ! retry 'git fetch' fetch_once; then
    fetch_fail
    fail_before_up
  fi
  U_TOKEN_B64=''
  if ! resolve_commit; then
    step_fail fetch "commit ${UPSC_REF:-of origin/$U_BRANCH} not found (or ambiguous) after fetching" \
      'check the commit id (upsc history lists deployed commits)'
    fail_before_up
  fi
  step_ok fetch "${U_COMMIT:0:12}"

  step_start checkout
  U_MOVED=1
  if ! checkout_commit "$U_COMMIT" 2>"$U_TMP/git.err"; then
    last_line U_REASON "$U_TMP/git.err"
    step_fail checkout "git checkout ${U_COMMIT:0:12} failed: $U_REASON" 'see upsc ssh: git status in the app dir'
    fail_before_up
  fi
  step_ok checkout "${U_COMMIT:0:12} $(git_app log -1 --format=%s "$U_COMMIT" 2>/dev/null)"

  step_start build
  U_BUILT=1
  if ! build_images; then
    step_fail build "build of ${U_COMMIT:0:12} failed" 'see the build output above'
    fail_before_up
  fi
  step_ok build

  step_start tag
  if ! project_images; then
    step_fail tag "$U_REASON" 'check the compose file'
    fail_before_up
  fi
  images_tag "$U_COMMIT" || warn "no image to tag for: ${U_TAG_MISSING[*]}"
  step_ok tag "$U_TAGGED images tagged upsc-${U_COMMIT:0:12}"

  U_PHASE=up
  set_current "$U_COMMIT" "$U_BRANCH" "$U_ID"
  step_start up
  if ! run_child compose up -d --remove-orphans; then
    step_fail up 'docker compose up failed' 'see the compose output above'
    fail_after_up
  fi
  step_ok up

  step_start health
  if ! health_gate; then
    step_fail health "$U_GATE_REASON" 'see the failing checks and service logs above'
    fail_after_up
  fi
  step_ok health "$U_HC_N checks passed"
  U_RESULT_HC=$U_HC_JSON

  keep_commit "$U_COMMIT"
  step_start retention
  local keep
  setting_int keep UPSC_KEEP_IMAGES 5
  ((keep >= 1)) || keep=1
  succeeded_commits
  retention "$keep" "$U_COMMIT"
  step_ok retention "$U_RETENTION_DETAIL"

  deploy_record succeeded '' 0 "${#U_STEP_NAMES[@]}"
  deploy_finish "$RC_OK" succeeded
}

deploy_main
