// The two redaction functions, bash (lib.sh `redact`, run by bash with the host's awk) and
// TypeScript (src/util/redact.ts), held to the same exact cases.
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {redact} from '../../../src/util/redact.ts'
import {SCRIPTS_DIR} from './run-script.ts'

const CASES = [
  ['fatal: ghp_abcdefghijklmnopqrstuvwxyz0123456789 rejected', 'fatal: *** rejected'],
  ['token github_pat_11ABCDEFG0abcdefghij_klmnopqrstuv', 'token ***'],
  ['gho_abc123 and ghs_xyz, ghu_q1 ghr_r2', '*** and ***, *** ***'],
  ['expected a ghp_, github_pat_ or gho_ prefix', 'expected a ghp_, github_pat_ or gho_ prefix'],
  ['key AKIAIOSFODNN7EXAMPLE in use, ASIAY34FZKBOKMUTVV7A too', 'key *** in use, *** too'],
  ['AKIA too short AKIA1234', 'AKIA too short AKIA1234'],
  ['DB_PASSWORD=hunter2 next', 'DB_PASSWORD=*** next'],
  ['export API_TOKEN="abc def" x', 'export API_TOKEN=*** x'],
  ["aws_secret_access_key='wJalr/K7MDENG+bPxRfi' end", 'aws_secret_access_key=*** end'],
  ['https://x.test/cb?token=abc123&user=me', 'https://x.test/cb?token=***&user=me'],
  ['{"reason":"GITHUB_TOKEN=ghp_x1 refused","ok":true}', '{"reason":"GITHUB_TOKEN=*** refused","ok":true}'],
  ['SECRET_KEY= (empty)', 'SECRET_KEY=*** (empty)'],
  ['app: connected with s3cr3t-value-42 to db', 'app: connected with *** to db'],
  ['{"ok":true,"n":123456}', '{"ok":true,"n":123456}'],
  ['nothing to see, tokenless words and passwords stay', 'nothing to see, tokenless words and passwords stay'],
]
const SECRETS = ['s3cr3t-value-42', 'true', '123456', 'short']

/** lib.sh's redact over the cases, one line each, with SECRETS as the host's secrets file. */
function bashRedact(lines) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upsc-redact-'))
  try {
    fs.writeFileSync(path.join(dir, 'secrets'), `${SECRETS.join('\n')}\n`)
    const out = execFileSync('bash', ['-c', `source "$1/lib.sh"; redact "$2"`, 'redact', SCRIPTS_DIR, path.join(dir, 'secrets')], {
      input: `${lines.join('\n')}\n`,
      encoding: 'utf8',
    })
    return out.replace(/\n$/, '').split('\n')
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

describe('redaction: the host (bash) and the CLI (TypeScript) mask the same way', () => {
  it('TypeScript: every case exactly', () => {
    expect(CASES.map(([input]) => redact(input, SECRETS))).toEqual(CASES.map(([, want]) => want))
  })

  it('bash: every case exactly', () => {
    expect(bashRedact(CASES.map(([input]) => input))).toEqual(CASES.map(([, want]) => want))
  })

  it('is idempotent: masked text stays as it is', () => {
    for (const [, want] of CASES) expect(redact(want, SECRETS)).toBe(want)
  })

  it('env_secrets reads the .env values of names with TOKEN, SECRET or PASSWORD', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upsc-redact-'))
    try {
      const env = path.join(dir, '.env')
      fs.writeFileSync(
        env,
        ['DB_HOST=db', 'DB_PASSWORD=hunter2!', 'export API_TOKEN="tok en"', "JWT_SECRET='s3cret'", '# OLD_TOKEN=gone', 'PORT=8000', ''].join('\n'),
      )
      const out = execFileSync('bash', ['-c', 'source "$1/lib.sh"; env_secrets "$2"', 'x', SCRIPTS_DIR, env], {encoding: 'utf8'})
      expect(out).toBe('hunter2!\ntok en\ns3cret\n')
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('deploy.sh masks credentials in what it prints and records', () => {
  it("the app's own log lines after a failed health gate, and the history record: no token, no .env secret", async () => {
    const {FAST, newHost, until} = await import('./helpers.ts')
    const {runScript, startScript} = await import('./run-script.ts')
    const host = newHost()
    const first = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
    expect(first.code, first.stdout).toBe(0)
    // An operator's .env (untracked) holds a secret; a client sends it, and a GitHub token, to the
    // new version while its health gate fails: the app logs both, and the deploy shows that log.
    fs.writeFileSync(path.join(host.appDir, '.env'), 'DB_HOST=db\nAPP_SECRET=very-secret-value-1\n')
    const token = 'ghp_0123456789abcdefghijABCDEFGHIJ012345'
    const handle = startScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'bad-health', UPSC_HEALTH_TIMEOUT_SECONDS: 6, UPSC_HEALTH_INTERVAL_SECONDS: 2})
    await until(() => handle.output().includes('step health start'), {what: 'the health gate'})
    // The app logs a request carrying both (its container's log, as the fake engine keeps it).
    const container = host
      .containers()
      .filter((c) => c.service === 'api' && c.state === 'running')
      .at(-1)
    fs.appendFileSync(
      path.join(container.dir, 'service.log'),
      `${new Date().toISOString()} INFO: 127.0.0.1 - "GET /login?user=me&key=very-secret-value-1&gh=${token} HTTP/1.1" 302\n`,
    )
    const run = await handle.done
    expect(run.code, run.stdout).toBe(5)
    expect(run.stdout).toContain('----- last 50 log lines of')
    expect(run.stdout).toMatch(/"GET \/login\?user=me&key=\*\*\*&gh=\*\*\* HTTP\/1\.1" 302/)
    expect(run.stdout).not.toContain(token)
    expect(run.stdout).not.toContain('very-secret-value-1')
    const history = fs.readFileSync(path.join(host.upscHome, 'deployments.jsonl'), 'utf8')
    expect(history).toContain('"outcome":"rolled-back"')
    expect(history).not.toContain(token)
    expect(history).not.toContain('very-secret-value-1')
  }, 90_000)
})
