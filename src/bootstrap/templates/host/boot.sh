# shellcheck shell=bash
# boot.sh: what upscpro-deploy.service runs at every boot (through upsc-run), after Docker and the
# network are up.
# - The bootstrap has not succeeded on this host (no bootstrap.json, or a failed one): run it again
#   (bin/bootstrap.sh is the user-data as rendered), so a host whose first boot failed heals with a
#   fix and a reboot. Without bin/bootstrap.sh: a plain deploy (deploy.sh, same settings).
# - Else: start again the version the stack last ran (current.json): its checkout, its upsc-<sha>
#   images (rebuilt only when gone), `compose up`, then the health gate. Nothing is fetched or
#   deployed: a reboot never changes the version.
# Holds the deploy lock while it works; a deploy already holding it wins (nothing to do, exit 0).
# Report lines as deploy.sh's (REMOTE-CONTRACT.md), with a `::upsc result` of kind "boot".
# Globals here are also read by lib.sh (SC2034), and set by it (SC2153).
# shellcheck disable=SC2034,SC2153
# shellcheck source-path=SCRIPTDIR source=lib.sh
[[ -n ${UPSC_LIB_LOADED:-} ]] || . "${BASH_SOURCE[0]%/*}/lib.sh"

boot_main() {
  local bin=${BASH_SOURCE[0]%/*} result='' info
  # Before upsc_init: bootstrap.sh sets up its own log and result.
  info=$(upsc_path "${UPSC_HOME:-/opt/upscpro/.upsc}")/bootstrap.json
  [[ -f $info ]] && result=$(<"$info")
  if [[ $result != *'"outcome":"succeeded"'* ]]; then
    say 'The bootstrap has not succeeded on this host: running it again'
    [[ -f $bin/bootstrap.sh ]] && exec bash "$bin/bootstrap.sh"
    exec bash "$bin/deploy.sh"
  fi
  exec 2>&1
  upsc_init
  U_KIND=boot U_RESULT_HC='[]' U_PREV='' U_ROLLED_BACK_TO=''
  now_us U_START_US
  new_id U_ID boot
  step_start lock
  lock_acquire boot "$U_ID" '' || { step_ok lock "a deploy holds the lock ($(lock_describe)): nothing to do" && result_line boot 0 skipped && exit 0; }
  step_ok lock
  step_start docker
  wait_docker || { step_fail docker "Docker did not become ready within ${UPSC_DOCKER_WAIT_SECONDS:-120}s: $U_DOCKER_ERR" 'see journalctl -u docker' && result_line boot 1 failed && exit 1; }
  step_ok docker "server $U_DOCKER_VERSION"
  running_commit U_COMMIT
  info=''
  [[ -f $U_CURRENT ]] && info=$(<"$U_CURRENT")
  json_get U_BRANCH "$info" branch
  json_unq U_BRANCH "$U_BRANCH"
  # blueGreen (bluegreen.sh): the live colour starts again and the proxy routes to it; bg_boot exits.
  [[ ${UPSC_STRATEGY:-} == blueGreen ]] && is_sha "$U_COMMIT" && bg_boot
  if is_sha "$U_COMMIT" && switch_to "$U_COMMIT" "$U_BRANCH" ''; then
    U_RESULT_HC=$U_HC_JSON
    result_line boot 0 succeeded
    exit 0
  fi
  U_RESULT_HC=${U_HC_JSON:-[]}
  is_sha "$U_COMMIT" || step_fail checkout 'no deployed version on this host' 'deploy: upsc deploy'
  result_line boot 1 failed
  exit 1
}

boot_main
