# shellcheck shell=bash
# ------------------------------------------------------------------ images
# project_images: U_IMAGES := the images the compose project uses (`config --images`).
# shellcheck disable=SC2034 # U_REASON: the failure, read by its callers
project_images() {
  local out line
  U_IMAGES=()
  out=$(compose config --images 2>&1) || {
    U_REASON="docker compose config failed: ${out##*$'\n'}"
    return 1
  }
  while IFS= read -r line; do [[ -n $line ]] && U_IMAGES+=("$line"); done <<<"$out"
}

# image_split IMAGE: U_REPO, U_TAG (U_TAG empty for an image pinned by digest).
image_split() {
  local last=${1##*/}
  if [[ $1 == *@* ]]; then
    U_REPO=${1%%@*} U_TAG=''
  elif [[ $last == *:* ]]; then
    U_REPO=${1%:*} U_TAG=${1##*:}
  else
    U_REPO=$1 U_TAG=latest
  fi
}

# built_image REPO: an image compose builds for this project (named <project>-<service>).
built_image() { [[ $1 == "$U_PROJECT"-* ]]; }

# images_retag SHA save|restore: save: tag every project image present as <repo>:upsc-<sha12>
# (how a rollback finds it); restore: point each image's tag back at <repo>:upsc-<sha12>.
# U_RETAGGED counts them; returns 1 and lists U_RETAG_MISSING when a built image had neither.
images_retag() {
  local img src dst
  U_RETAGGED=0 U_RETAG_MISSING=()
  for img in "${U_IMAGES[@]}"; do
    image_split "$img"
    [[ -n $U_TAG ]] || continue
    src=$U_REPO:$U_TAG dst=$U_REPO:upsc-${1:0:12}
    [[ $2 == restore ]] && src=$dst dst=$U_REPO:$U_TAG
    if docker image tag "$src" "$dst" 2>/dev/null; then
      U_RETAGGED=$((U_RETAGGED + 1))
    elif built_image "$U_REPO"; then
      U_RETAG_MISSING+=("$U_REPO")
    fi
  done
  ((${#U_RETAG_MISSING[@]} == 0))
}

# build_images: the configured build command (UPSC_BUILD_COUNT + UPSC_BUILD_<i> argv words, run
# in the app dir) or `docker compose build`.
build_images() {
  local n i v argv=()
  setting_int n UPSC_BUILD_COUNT 0
  for ((i = 1; i <= n; i++)); do
    v=UPSC_BUILD_$i
    argv+=("${!v-}")
  done
  if ((${#argv[@]} > 0)); then
    say "Building with: ${argv[*]}"
    COMPOSE_FILE=$U_CFILE COMPOSE_PROJECT_NAME=$U_PROJECT run_child build_in_app "${argv[@]}"
  else
    say "Building with: docker compose build"
    run_child compose build
  fi
}
build_in_app() {
  export COMPOSE_FILE COMPOSE_PROJECT_NAME UPSC_COMMIT UPSC_PREVIOUS_COMMIT
  cd "$U_APP" && command "$@"
}
