# shellcheck shell=bash
# lib.sh: the library shared by the scripts upsc runs on a host through SSM Run Command.
# The CLI sends it followed by one entry script (probe, deploy, rollback, history, lock, ...), run
# by bash with the UPSC_* settings exported; see docs/REMOTE-CONTRACT.md. Nothing here evals a
# setting or pastes one into a command string: settings are only ever data (argv words, JSON).
# The library is in parts under lib/, one per section, sourced below in this order. The CLI's
# bundler (src/remote/payload.ts readScript) puts each part in place of its `.` line, then keeps only
# the functions an entry script reaches; a host's installed lib.sh is that bundle, in one file.
# shellcheck source-path=SCRIPTDIR

# shellcheck disable=SC2034 # read by the entry scripts: lib.sh is in (bundled), not to be sourced again
UPSC_LIB_LOADED=1
# C locale: git/curl messages we match are English, EPOCHREALTIME uses '.'; all times are UTC.
export LC_ALL=C TZ=UTC GIT_TERMINAL_PROMPT=0

# Exit codes (also in REMOTE-CONTRACT.md); the entry scripts finish with them.
# shellcheck disable=SC2034
RC_OK=0 RC_FAILED=1 RC_USAGE=2 RC_ROLLED_BACK=5 RC_LOCKED=6 RC_INTERRUPTED=130
# A command run by `retry` returns this for a failure that retrying cannot fix.
RETRY_STOP=64
# shellcheck source=lib/run.sh
. "${BASH_SOURCE[0]%/*}/lib/run.sh"
# shellcheck source=lib/settings.sh
. "${BASH_SOURCE[0]%/*}/lib/settings.sh"
# shellcheck source=lib/validate.sh
. "${BASH_SOURCE[0]%/*}/lib/validate.sh"
# shellcheck source=lib/json.sh
. "${BASH_SOURCE[0]%/*}/lib/json.sh"
# shellcheck source=lib/time.sh
. "${BASH_SOURCE[0]%/*}/lib/time.sh"
# shellcheck source=lib/redact.sh
. "${BASH_SOURCE[0]%/*}/lib/redact.sh"
# shellcheck source=lib/report.sh
. "${BASH_SOURCE[0]%/*}/lib/report.sh"
# shellcheck source=lib/retry.sh
. "${BASH_SOURCE[0]%/*}/lib/retry.sh"
# shellcheck source=lib/docker.sh
. "${BASH_SOURCE[0]%/*}/lib/docker.sh"
# shellcheck source=lib/images.sh
. "${BASH_SOURCE[0]%/*}/lib/images.sh"
# shellcheck source=lib/hooks.sh
. "${BASH_SOURCE[0]%/*}/lib/hooks.sh"
# shellcheck source=lib/env.sh
. "${BASH_SOURCE[0]%/*}/lib/env.sh"
# shellcheck source=lib/git.sh
. "${BASH_SOURCE[0]%/*}/lib/git.sh"
# shellcheck source=lib/health.sh
. "${BASH_SOURCE[0]%/*}/lib/health.sh"
# shellcheck source=lib/lock.sh
. "${BASH_SOURCE[0]%/*}/lib/lock.sh"
# shellcheck source=lib/hold.sh
. "${BASH_SOURCE[0]%/*}/lib/hold.sh"
# shellcheck source=lib/repair.sh
. "${BASH_SOURCE[0]%/*}/lib/repair.sh"
# shellcheck source=lib/history.sh
. "${BASH_SOURCE[0]%/*}/lib/history.sh"
# shellcheck source=lib/rollback-target.sh
. "${BASH_SOURCE[0]%/*}/lib/rollback-target.sh"
# shellcheck source=lib/current.sh
. "${BASH_SOURCE[0]%/*}/lib/current.sh"
# shellcheck source=lib/switch.sh
. "${BASH_SOURCE[0]%/*}/lib/switch.sh"
# shellcheck source=lib/attempt.sh
. "${BASH_SOURCE[0]%/*}/lib/attempt.sh"
# shellcheck source=lib/results.sh
. "${BASH_SOURCE[0]%/*}/lib/results.sh"
