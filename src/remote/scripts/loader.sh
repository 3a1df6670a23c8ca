# shellcheck shell=bash
# loader.sh: run the host-script bundle UPSC_SCRIPTS_SHA from the script cache under UPSC_HOME,
# for payloads too large to travel inline (docs/REMOTE-CONTRACT.md, "Script cache"). Sent after
# the settings, instead of the bundle itself. Standalone: it needs nothing from lib.sh.
# A bundle runs only if its sha256 is the one asked for; otherwise the loader prints
# `::upsc need-scripts <sha>` and exits 0 (not a failure: a rolling run's MaxErrors must not count
# it), and the CLI installs the bundle (install.sh) and sends the same command again.

set -u
sha=${UPSC_SCRIPTS_SHA:-}
if [[ ! $sha =~ ^[0-9a-f]{64}$ ]]; then
  echo 'upsc: UPSC_SCRIPTS_SHA is not a sha256' >&2
  exit 2
fi
file=${UPSC_ROOT:-}${UPSC_HOME:-/opt/upscpro/.upsc}/scripts/$sha.sh
if [[ -f $file ]] && sum=$(sha256sum <"$file") && [[ ${sum%% *} == "$sha" ]]; then
  # Pruning keeps the most recently used bundles.
  touch -c "$file" 2>/dev/null
  unset UPSC_SCRIPTS_SHA
  exec bash "$file"
fi
echo "::upsc need-scripts $sha"
exit 0
