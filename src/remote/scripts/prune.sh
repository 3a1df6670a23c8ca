# shellcheck shell=bash
# prune.sh: free disk on this host, under the deploy lock: stopped containers of the project,
# dangling images, upsc-<sha> image tags beyond UPSC_KEEP_IMAGES (never the running commit's nor the
# rollback target's: retention), build cache beyond UPSC_PRUNE_BUILD_CACHE_KEEP (a docker size,
# default 5GB). UPSC_DRY_RUN=1: only count. Result: see REMOTE-CONTRACT.md. Exit 0, 1, 6.
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

# size_bytes VAR TEXT: a size as docker prints it ("1.23GB", "512kB", "0B") in bytes.
size_bytes() {
  local -n _sb=$1
  _sb=0
  [[ $2 =~ ([0-9]+)(\.([0-9]+))?([kMGT]?)B ]] || return 0
  local frac=${BASH_REMATCH[3]}000 mult=1
  case ${BASH_REMATCH[4]} in k) mult=1000 ;; M) mult=1000000 ;; G) mult=1000000000 ;; T) mult=1000000000000 ;; esac
  _sb=$(((10#${BASH_REMATCH[1]} * 1000 + 10#${frac:0:3}) * mult / 1000))
}

# disk_free VAR: free bytes of the file system holding the app dir.
disk_free() {
  local -n _df=$1
  local out fields
  _df=null
  out=$(df -P -B1 -- "$U_APP" 2>/dev/null) || return 0
  read -r -a fields <<<"${out##*$'\n'}"
  [[ ${fields[3]-} =~ ^[0-9]+$ ]] && _df=${fields[3]}
}

prune_main() {
  upsc_init
  local dry=0 keep cache=${UPSC_PRUNE_BUILD_CACHE_KEEP:-5GB} before after stopped dangling out bytes reclaimed=0 cur
  local cache_bytes=null tags='' t rc=0
  [[ ${UPSC_DRY_RUN:-} == 1 ]] && dry=1
  [[ $cache =~ ^[0-9]+(\.[0-9]+)?[kMG]?B$ ]] || cache=5GB
  setting_int keep UPSC_KEEP_IMAGES 5
  ((keep >= 1)) || keep=1
  lock_acquire prune "prune-$$" '' || rc=$?
  if ((rc)); then
    say "Not pruning: ${U_LOCK_HOLDER:+the deploy lock is held by $(lock_describe)}"
    printf '%s result {"dryRun":%s,"error":"lock held","lock":%s}\n' "$U_MARK" "$( ((dry)) && echo true || echo false)" "${U_LOCK_HOLDER:-null}"
    exit $((rc == 1 ? RC_LOCKED : RC_FAILED))
  fi
  if ! docker_ready; then
    say "Docker is not running: $U_DOCKER_ERR"
    printf '%s result {"dryRun":%s,"error":%s,"lock":null}\n' "$U_MARK" "$( ((dry)) && echo true || echo false)" "$(json_str "docker is not running: $U_DOCKER_ERR")"
    exit "$RC_FAILED"
  fi
  disk_free before

  stopped=$(compose ps -a --status exited -q 2>/dev/null | grep -c .)
  ((dry || stopped == 0)) || compose rm -f
  dangling=$(docker image ls -q --filter dangling=true 2>/dev/null | grep -c .)
  if ((!dry && dangling > 0)); then
    out=$(docker image prune -f 2>&1) && say "$out"
    size_bytes bytes "${out##*Total reclaimed space: }"
    reclaimed=$((reclaimed + bytes))
  fi

  U_DRY=$dry U_RM_TAGS=()
  running_commit cur
  if project_images; then
    succeeded_commits $((keep + 1))
    retention "$keep" "$cur"
    say "upsc-<sha> tags: $U_RETENTION_DETAIL${U_RM_TAGS[*]:+ (${U_RM_TAGS[*]})}"
  fi
  for t in "${U_RM_TAGS[@]}"; do tags+="${tags:+,}$(json_str "$t")"; done

  if ((!dry)); then
    out=$(docker builder prune -f --keep-storage "$cache" 2>&1) && say "$out"
    size_bytes cache_bytes "${out##*Total:}"
    reclaimed=$((reclaimed + cache_bytes))
  fi
  disk_free after
  printf '%s result {"dryRun":%s,"stoppedContainers":%d,"danglingImages":%d,"removedTags":[%s],"buildCacheBytes":%s,"reclaimedBytes":%s,"diskFreeBefore":%s,"diskFreeAfter":%s,"keepImages":%d,"buildCacheKeep":%s,"runningCommit":%s,"error":null,"lock":null}\n' \
    "$U_MARK" "$( ((dry)) && echo true || echo false)" "$stopped" "$dangling" "$tags" "$cache_bytes" \
    "$( ((dry)) && echo null || echo "$reclaimed")" "$before" "$after" "$keep" "$(json_str "$cache")" "$(json_str "$cur")"
}

prune_main
