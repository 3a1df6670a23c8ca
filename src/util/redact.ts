/**
 * Pure: mask what looks like a credential in text upsc prints, streams, records or sends: GitHub
 * tokens, AWS access key ids, the value of NAME=value where NAME has TOKEN, SECRET or PASSWORD in
 * it, and each of `secrets` (6+ characters, not a number or a JSON word). The host masks first
 * (lib.sh `redact`, which also knows the app's .env); this is the CLI's defence in depth, and
 * test/remote/scripts/redact.test.ts holds both to the same cases.
 */
const MASK = '***'
const GITHUB_TOKEN = /(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/g
const AWS_KEY_ID = /(AKIA|ASIA)[A-Z0-9]{16}/g
const SECRET_ASSIGNMENT = /([A-Za-z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|token|secret|password)[A-Za-z0-9_]*=)("[^"]*"|'[^']*'|[^ \t"',;&]+)?/g

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const secret of secrets) if (secret.length > 5 && !/^([0-9.]+|true|false|null)$/.test(secret)) out = out.split(secret).join(MASK)
  return out.replace(GITHUB_TOKEN, MASK).replace(AWS_KEY_ID, MASK).replace(SECRET_ASSIGNMENT, `$1${MASK}`)
}
