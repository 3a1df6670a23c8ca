# shellcheck shell=bash
# ------------------------------------------------------------------ validation (no git, no eval)
# valid_branch NAME: git's rules for a branch name (check-ref-format --branch), in bash; "@"
# (which git would take) is refused too, as git's own `git branch @` does.
valid_branch() {
  local b=$1
  [[ -n $b && ${#b} -le 255 && $b != @ && $b != HEAD ]] || return 1
  [[ $b != -* && $b != /* && $b != */ && $b != *. && $b != *.lock ]] || return 1
  [[ $b != .* && $b != */.* && $b != *..* && $b != *//* && $b != *.lock/* && $b != *@\{* ]] || return 1
  [[ $b != *[[:cntrl:][:space:]~^:?*\[\\]* ]] || return 1
  return 0
}

# valid_ref REF: a commit id or a unique prefix of one (4 to 64 hex digits).
valid_ref() { [[ $1 =~ ^[0-9a-fA-F]{4,64}$ ]]; }

# is_sha TEXT: a full commit id (SHA-1, or SHA-256 for repositories that use it).
is_sha() { [[ $1 =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]]; }

# valid_service NAME: a compose service name (also never starts with '-').
valid_service() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ ]]; }

# valid_unit NAME: a systemd unit name.
valid_unit() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9@_.:\\-]{0,255}$ ]]; }

# valid_id ID: a deployment id.
valid_id() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$ ]]; }
