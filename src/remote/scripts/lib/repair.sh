# shellcheck shell=bash
# ------------------------------------------------------------------ interrupted runs
# repair_interrupted: the lock is ours and U_LOCK_HOLDER is the lock.json of a run that died holding
# it (SIGKILL, reboot, power loss: no trap ran). Record that run as interrupted (once) and put the
# checkout and image tags back on what runs (current.json). If it had begun to start its version
# (current.json has its id), that version is unverified: go back to the newest succeeded deployment
# and start it again. 1 when Docker was not there for the tags.
# U_REPAIR_OUTCOME and U_REPAIR_WHY, when set, replace the record's outcome and reason.
# shellcheck disable=SC2034 # U_REPAIRED: read by lock.sh
repair_interrupted() {
  local h=$U_LOCK_HOLDER kind id branch since run cur='' up=0 k ob='' commit=''
  for k in kind id branch since; do
    json_get "$k" "$h" "$k"
    json_unq "$k" "${!k}"
  done
  warn "interrupted: $(lock_describe) died holding the deploy lock"
  U_REPAIRED=$id
  running_commit run
  [[ -f $U_CURRENT ]] && cur=$(<"$U_CURRENT")
  if [[ $cur == *"\"id\":\"$id\""* ]]; then
    up=1 commit=$run
    succeeded_commits 1
    if [[ -n ${U_OK_COMMITS[0]:-} ]]; then
      run=${U_OK_COMMITS[0]}
      json_get ob "${U_OK_LINES[0]}" branch
      json_unq ob "$ob"
    fi
  fi
  if [[ $kind == deploy || $kind == rollback ]] && ! tail -n 50 -- "$U_HISTORY" 2>/dev/null | grep -qF "{\"id\":\"$id\","; then
    record_write "${U_REPAIR_OUTCOME:-interrupted}" 0 0 "$id" "$kind" "$branch" "$commit" "$run" "$since" '' '' \
      "${U_REPAIR_WHY:-died without finishing (killed, or a reboot)}" '' false false
  fi
  is_sha "$run" || return 0
  ((up)) && set_current "$run" "$ob" "$id"
  # A git killed mid-checkout leaves its index lock; the dead run was the one using it.
  rm -f -- "$U_APP/.git/index.lock"
  checkout_commit "$run" 2>/dev/null
  docker_ready || wait_docker || return 1
  project_images && images_retag "$run" restore
  ((!up)) || run_child compose up -d --remove-orphans --no-build
}

# repair_if_interrupted: for what only looks (status, lock status, the monitor): if a dead run left
# its lock.json and nobody holds the lock, repair now (a deploy starting meanwhile waits for it).
# Without a lock.json there is nothing to repair: the lock is not even tried.
# shellcheck disable=SC2034 # U_LOCKED is lock.sh's; UPSC_DOCKER_WAIT_SECONDS is read by name (setting_int)
repair_if_interrupted() {
  [[ -f $U_LOCK_INFO ]] || return 0
  local rc=0
  lock_probe || rc=$?
  # Held, though lock.json names a dead run: the kernel frees a flock when the last process holding
  # it exits, and the run's killed subshells may still be exiting. Give them a moment.
  if ((rc == 1)) && lock_holder && ((!U_LOCK_ALIVE)); then
    rc=0
    lock_probe 5 || rc=$?
  fi
  ((rc == 0)) || return 0
  U_LOCKED=1
  local UPSC_DOCKER_WAIT_SECONDS=10
  lock_holder && repair_interrupted && rm -f -- "$U_LOCK_INFO"
  lock_release
}
