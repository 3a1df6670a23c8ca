// Hostile settings: branch/ref/health-check/caller strings full of shell syntax reach the host
// scripts as inert data. They are validated or JSON-escaped, never executed: no canary file appears.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FAST, historyFile, newHost, servedVersion} from './helpers.ts'
import {runScript, SCRIPTS_DIR} from './run-script.ts'

const canaryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'upsc-canary-'))
const CANARY = path.join(canaryDir, 'CANARY')
afterAll(() => fs.rmSync(canaryDir, {recursive: true, force: true}))

/** Small seeded PRNG (mulberry32): the same strings on every run. */
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PIECES = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `$(touch\${IFS}${CANARY})`,
  `;touch ${CANARY};`,
  `|touch ${CANARY}`,
  `&&touch ${CANARY}`,
  `||touch ${CANARY}`,
  `>${CANARY}`,
  `$(touch CANARY)`,
  '`touch CANARY`',
  '$((1+1))',
  '${HOME}',
  '$IFS',
  '${IFS}',
  "'",
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  ' ',
  '-',
  '--',
  '-rf',
  '--upload-pack=touch',
  '-c core.sshCommand=touch',
  '*',
  '?',
  '[',
  ']',
  '~',
  '^',
  ':',
  '!',
  '#',
  '%s%n',
  '{',
  '}',
  '..',
  '@{',
  '.lock',
  '/',
  '//',
  '.',
  '@',
  '=',
  '{{.ID}}',
  '{{json .}}',
  'HEAD',
  'x/HEAD',
  'a@b',
  "$'\\x41'",
  '\u0001',
  '\u007f',
  '\u001b[31m',
  'é',
  '💥',
  '中文',
  'main',
  'feature-x',
  'a',
  'Z9',
  '\\n',
  '\\"',
  '"}',
  '{"a":1}',
  '0200',
  '1e3',
  '-1',
  '00',
  '<',
  '>',
  '&',
  ';',
  '|',
  '(',
  ')',
  'x'.repeat(40),
]

/** n hostile strings: fixed nasties first, then random concatenations of pieces. */
function hostileStrings(n, seed = 42) {
  const random = rng(seed)
  const out = [...PIECES, ...PIECES.map((p) => `-${p}`), ...PIECES.map((p) => `feat/${p}x`)]
  while (out.length < n) {
    const parts = 1 + Math.floor(random() * 5)
    let s = ''
    for (let i = 0; i < parts; i++) s += PIECES[Math.floor(random() * PIECES.length)]
    out.push(s)
  }
  return out.slice(0, n)
}

/** No canary anywhere a payload could have created one. */
function expectNoCanary(...dirs) {
  expect(fs.readdirSync(canaryDir).filter((f) => !f.startsWith('cwd-'))).toEqual([])
  for (const dir of [...dirs, SCRIPTS_DIR, process.cwd()]) expect(fs.existsSync(path.join(dir, 'CANARY'))).toBe(false)
}

/** Run bash with lib.sh sourced and `body` after it, strings as UPSC_T_<i>; returns stdout lines. */
function libBatch(strings, body, cwd) {
  const env = {PATH: process.env.PATH, HOME: os.tmpdir(), TMPDIR: os.tmpdir(), UPSC_N: String(strings.length)}
  strings.forEach((s, i) => {
    env[`UPSC_T_${i + 1}`] = s
  })
  const program = `. ${JSON.stringify(path.join(SCRIPTS_DIR, 'lib.sh'))}\n${body}`
  const result = spawnSync('bash', ['-c', program], {env, cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.split('\n').filter(Boolean)
}

const STRINGS = hostileStrings(1200)

describe('hostile values', () => {
  beforeAll(() => {
    expect(new Set(STRINGS).size).toBeGreaterThan(1000)
    for (const s of STRINGS) expect(s.includes('\0')).toBe(false)
  })

  it('validates branch names exactly as git does, and JSON-escapes every string losslessly', () => {
    const cwd = fs.mkdtempSync(path.join(canaryDir, 'cwd-'))
    const lines = libBatch(
      STRINGS,
      `for ((i = 1; i <= UPSC_N; i++)); do
        v=UPSC_T_$i; s=\${!v}
        b=0; valid_branch "$s" && b=1
        g=0; git check-ref-format --branch "$s" >/dev/null 2>&1 && g=1
        r=0; valid_ref "$s" && r=1
        o=0; valid_id "$s" && o=1
        json_q q "$s"
        printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$i" "$b" "$g" "$r" "$o" "$q"
      done`,
      cwd,
    )
    expect(lines).toHaveLength(STRINGS.length)
    let accepted = 0
    for (const line of lines) {
      const [i, branchOk, gitOk, refOk, idOk, quoted] = line.split('\t')
      const s = STRINGS[Number(i) - 1]
      expect(JSON.parse(quoted), `json_q of ${JSON.stringify(s)}`).toBe(s)
      // Never more permissive than git; stricter only for "@" (git branch refuses it anyway).
      if (s === '@') expect([branchOk, gitOk]).toEqual(['0', '1'])
      else expect(branchOk, `valid_branch(${JSON.stringify(s)}) vs git check-ref-format`).toBe(gitOk)
      if (branchOk === '1') {
        accepted++
        expect(s.startsWith('-')).toBe(false)
      }
      if (refOk === '1') expect(s).toMatch(/^[0-9a-fA-F]{4,64}$/)
      if (idOk === '1') expect(s).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/)
    }
    expect(accepted).toBeGreaterThan(50) // the test also covers valid-but-nasty names
    expectNoCanary(cwd)
  }, 60_000)

  it('keeps hostile health-check settings inert in the probe, whose JSON stays valid', async () => {
    const host = newHost({dockerStopped: true})
    // 600 of the strings, 100 checks per probe (the most a probe takes); all 1,200 went through
    // lib.sh above.
    const batch = 100
    for (let start = 0; start < 600; start += batch) {
      const slice = STRINGS.slice(start, start + batch)
      /** @type {Record<string, string | number>} */
      const settings = {UPSC_HC_COUNT: slice.length, UPSC_HC_TIMEOUT_SECONDS: 2, UPSC_UNITS: slice[0]}
      slice.forEach((s, j) => {
        const i = j + 1
        settings[`UPSC_HC_${i}_NAME`] = s
        // Rotate the hostile string through the other fields of a check too.
        if (j % 4 === 0) settings[`UPSC_HC_${i}_URL`] = `http://127.0.0.1:9/${s}`
        else if (j % 4 === 1) settings[`UPSC_HC_${i}_URL`] = s
        else if (j % 4 === 2) Object.assign(settings, {[`UPSC_HC_${i}_SERVICE`]: s, [`UPSC_HC_${i}_PORT`]: s, [`UPSC_HC_${i}_PATH`]: s})
        else Object.assign(settings, {[`UPSC_HC_${i}_URL`]: 'http://127.0.0.1:9/', [`UPSC_HC_${i}_EXPECT`]: s})
      })
      const run = await runScript(host, 'probe', settings)
      expect(run.code, run.stderr).toBe(0)
      expect(run.result.healthChecks.map((c) => c.name)).toEqual(slice.map((s) => s || `check ${slice.indexOf(s) + 1}`))
      for (const check of run.result.healthChecks) expect(check.ok).toBe(false)
    }
    expectNoCanary(host.root)
  }, 120_000)

  it('rejects invalid branch, ref, rollback target and lock action settings with exit 2 and valid JSON', async () => {
    const host = newHost()
    const invalid = STRINGS.filter((s) => s.includes('CANARY') && /[\s~^:?*[\\]|\.\.|@\{|^-/.test(s)).slice(0, 15)
    expect(invalid.length).toBe(15)
    for (const s of invalid) {
      for (const [script, settings] of [
        ['deploy', {UPSC_BRANCH: s}],
        ['deploy', {UPSC_BRANCH: 'main', UPSC_REF: s}],
        ['rollback', {UPSC_ROLLBACK_TO: s}],
        ['lock', {UPSC_LOCK_ACTION: s}],
      ]) {
        const run = await runScript(host, script, settings)
        expect(run.code, `${script} ${JSON.stringify(settings)}`).toBe(2)
        expect(run.result).toBeDefined()
      }
    }
    const history = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: invalid[0]})
    expect(history.code).toBe(0)
    expect(historyFile(host)).toEqual([])
    expectNoCanary(host.root)
  }, 60_000)

  it('deploys a branch whose (valid) name is made of shell syntax, recording every hostile value verbatim', async () => {
    const host = newHost()
    const branch = `feat/$(touch\${IFS}${CANARY})\`touch\${IFS}CANARY\`;touch\${IFS}CANARY|x&y'"<>!{}%s`
    const commit = host.pushBranch(branch, {'app/VERSION': 'hostile\n'})
    const caller = `arn:aws:iam::1:user/$(touch ${CANARY})\n"'\`touch CANARY\``
    const run = await runScript(host, 'deploy', {
      ...FAST,
      UPSC_BRANCH: branch,
      UPSC_CALLER: caller,
      UPSC_COMMAND_ID: `; touch ${CANARY}`,
      UPSC_TOOL_VERSION: '$(touch CANARY)',
      UPSC_DEPLOY_ID: `$(touch ${CANARY})`,
      UPSC_HC_1_NAME: `"},{"injected":true,"x":"\n$(touch ${CANARY})`,
    })
    expect(run.code, run.stdout).toBe(0)
    expect(run.result).toMatchObject({branch, commit, outcome: 'succeeded'})
    expect(run.result.id).toMatch(/^deploy-\d{8}T\d{6}Z-[0-9a-f]{8}$/) // the hostile id was replaced
    expect(run.result.healthChecks).toHaveLength(1)
    expect(run.result.healthChecks[0].name).toBe(`"},{"injected":true,"x":"\n$(touch ${CANARY})`)
    expect(historyFile(host)[0]).toMatchObject({branch, caller, commandId: `; touch ${CANARY}`, toolVersion: '$(touch CANARY)'})
    expect(await servedVersion(host)).toBe('hostile')

    const probe = await runScript(host, 'probe', {})
    expect(probe.result.repo.branch).toBe(branch)
    const history = await runScript(host, 'history', {})
    expect(history.result.records[0].caller).toBe(caller)
    expectNoCanary(host.root, host.appDir)
  }, 60_000)
})
