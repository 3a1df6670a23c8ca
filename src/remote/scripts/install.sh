# shellcheck shell=bash
# install.sh: put one chunk of a compressed host-script bundle into the script cache under
# UPSC_HOME; the chunk that completes the set assembles the bundle (docs/REMOTE-CONTRACT.md,
# "Script cache"). Chunks may arrive in any order, concurrently: they are serialized by a flock.
# A bundle becomes visible only whole: assembled into a temp file, checked against its sha256,
# then renamed. Standalone: it needs nothing from lib.sh.
# Settings: UPSC_SCRIPTS_SHA (sha256 of the bundle), UPSC_CHUNK_SET (names this set of chunks),
# UPSC_CHUNK_INDEX (1..UPSC_CHUNK_COUNT), UPSC_CHUNK (base64 of that part of the gzip stream).
# Result: ::upsc result {"sha","chunk","installed"}; exit 0, or 1 (with why on stderr), 2 (bad setting).

set -u
umask 077
KEEP=8

fail() {
  echo "upsc: cannot install host scripts in $dir: $1" >&2
  exit 1
}

sha=${UPSC_SCRIPTS_SHA:-} set=${UPSC_CHUNK_SET:-} index=${UPSC_CHUNK_INDEX:-} count=${UPSC_CHUNK_COUNT:-}
if [[ ! $sha =~ ^[0-9a-f]{64}$ || ! $set =~ ^[0-9a-f]{16}$ || ! $count =~ ^[1-9][0-9]{0,3}$ || ! $index =~ ^[1-9][0-9]{0,3}$ ]] || ((index > count)); then
  echo 'upsc: install.sh needs UPSC_SCRIPTS_SHA, UPSC_CHUNK_SET, UPSC_CHUNK_INDEX and UPSC_CHUNK_COUNT' >&2
  exit 2
fi
dir=${UPSC_ROOT:-}${UPSC_HOME:-/opt/upscpro/.upsc}/scripts
parts=$dir/.parts-$sha-$set
{ mkdir -p "$parts" && chmod 700 "$dir" "$parts"; } || fail 'cannot create the directory'
{ exec 8>"$dir/.lock" && flock -w 60 8; } || fail 'cannot take its lock'

verified() { local sum; sum=$(sha256sum <"$1") && [[ ${sum%% *} == "$sha" ]]; }

installed=false
if [[ -f $dir/$sha.sh ]] && verified "$dir/$sha.sh"; then
  installed=true
else
  { printf '%s' "${UPSC_CHUNK:-}" >"$parts/$index.tmp" && mv -f "$parts/$index.tmp" "$parts/$index"; } || fail "cannot write chunk $index"
  have=0
  for ((i = 1; i <= count; i++)); do [[ -f $parts/$i ]] && have=$((have + 1)); done
  if ((have == count)); then
    tmp=$(mktemp "$dir/.new-XXXXXX") || fail 'cannot create a temp file'
    for ((i = 1; i <= count; i++)); do cat "$parts/$i" || exit 1; done | base64 -d | gzip -dc >"$tmp" 2>/dev/null
    if ! verified "$tmp"; then
      rm -rf "$tmp" "$parts"
      fail "the assembled bundle does not match sha256 $sha"
    fi
    mv -f "$tmp" "$dir/$sha.sh" || { rm -f "$tmp"; fail 'cannot rename the bundle into place'; }
    installed=true
  fi
fi
if [[ $installed == true ]]; then
  rm -rf "$parts"
  # Keep the KEEP most recently used bundles (the loader touches what it runs); drop leftovers of
  # interrupted installs after an hour.
  find "$dir" -maxdepth 1 -name '*.sh' -printf '%T@ %f\n' | sort -rn | tail -n +$((KEEP + 1)) | while read -r _ old; do rm -f "${dir:?}/$old"; done
  find "$dir" -maxdepth 1 \( -name '.parts-*' -o -name '.new-*' \) -mmin +60 -exec rm -rf {} +
fi
printf '::upsc result {"sha":"%s","chunk":%d,"installed":%s}\n' "$sha" "$index" "$installed"
