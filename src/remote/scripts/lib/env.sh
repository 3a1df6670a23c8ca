# shellcheck shell=bash
# ------------------------------------------------------------------ the app's .env
# env_refresh: the app's .env := the SSM parameter UPSC_ENV_PARAMETER, read here with the instance
# role (values never travel in the command, its output or the history). The old one is kept in
# UPSC_HOME/env.previous for env_restore. U_ENV_CHANGED=1 when it changed. 1: F_REASON says why.
env_refresh() {
  local p=$UPSC_ENV_PARAMETER new=$U_APP/.env.upsc-new
  U_ENV_CHANGED=0
  if ! (umask 077 && aws ssm get-parameter --name="$p" --with-decryption \
    --query Parameter.Value --output text >"$new" 2>"$U_TMP/aws.err"); then
    rm -f -- "$new"
    last_line F_REASON "$U_TMP/aws.err"
    F_REASON="could not read the app's .env from SSM parameter $p: ${F_REASON:-aws cli failed}"
    return 1
  fi
  # The CLI adds a newline after the value: the file ends with exactly one.
  (umask 077 && printf '%s\n' "$(<"$new")" >"$new.1") && mv -f -- "$new.1" "$new"
  [[ -f $U_APP/.env && $(<"$new") == "$(<"$U_APP/.env")" ]] && { rm -f -- "$new" && return 0; }
  rm -f -- "$U_STATE/env.previous"
  [[ -f $U_APP/.env ]] && cp -p -- "$U_APP/.env" "$U_STATE/env.previous"
  mv -f -- "$new" "$U_APP/.env" && U_ENV_CHANGED=1
}

# env_restore: put back the .env env_refresh replaced (none before: removed).
env_restore() {
  ((${U_ENV_CHANGED:-0})) || return 0
  if [[ -f $U_STATE/env.previous ]]; then mv -f -- "$U_STATE/env.previous" "$U_APP/.env"; else rm -f -- "$U_APP/.env"; fi
  U_ENV_CHANGED=0
  say '.env is back to what it was'
}
