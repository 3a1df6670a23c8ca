// The GitHub token path of deploy.sh: read on the host from SSM Parameter Store with the real AWS
// CLI (against moto), format-checked, passed to one git call through its environment only.
import fs from 'node:fs'
import path from 'node:path'
import {execFileSync} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startMoto} from '../../../tools/stand-in/moto.js'
import {FAST, historyFile, newHost, servedVersion} from './helpers.ts'
import {runScript} from './run-script.ts'

const GOOD = 'ghp_Sandbox0Good0Token0123456789abcdef'
const WRONG = 'ghp_Sandbox0Wrong0Token0987654321fedcba'
const NOT_A_TOKEN = 'password-SECRET0VALUE0XYZ'

/** @type {import('../../../tools/stand-in/moto.js').Moto} */
let moto
let awsEnv

beforeAll(async () => {
  moto = await startMoto()
  awsEnv = {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  }
  for (const [name, value] of [
    ['/upsc/good', GOOD],
    ['/upsc/wrong', WRONG],
    ['/upsc/not-a-token', NOT_A_TOKEN],
  ]) {
    execFileSync('aws', ['ssm', 'put-parameter', '--name', name, '--type', 'SecureString', '--value', value], {env: {...process.env, ...awsEnv}})
  }
}, 60_000)

afterAll(async () => {
  await moto?.stop()
})

/** A host whose instance role reaches moto. */
function tokenHost(options) {
  const host = newHost(options)
  Object.assign(host.env, awsEnv)
  return host
}

/** Every place the token must never appear. */
function expectTokenNowhere(host, run) {
  for (const secret of [GOOD, WRONG, NOT_A_TOKEN, Buffer.from(`x-access-token:${GOOD}`).toString('base64')]) {
    expect(run.stdout).not.toContain(secret)
    expect(run.stderr).not.toContain(secret)
    expect(fs.readFileSync(path.join(host.appDir, '.git', 'config'), 'utf8')).not.toContain(secret)
    for (const file of fs.readdirSync(host.upscHome)) {
      const full = path.join(host.upscHome, file)
      if (fs.statSync(full).isFile()) expect(fs.readFileSync(full, 'utf8')).not.toContain(secret)
    }
  }
}

const settings = (parameter, extra = {}) => ({...FAST, UPSC_BRANCH: 'main', UPSC_TOKEN_PARAMETER: parameter, UPSC_REGION: 'eu-central-1', ...extra})

describe('deploy.sh with a GitHub token', () => {
  it('uses an accepted token for the fetch, through the environment only', async () => {
    const host = tokenHost({requiredToken: GOOD})
    const run = await runScript(host, 'deploy', settings('/upsc/good'))
    expect(run.code, run.stdout).toBe(0)
    expect(run.steps.find((s) => s.name === 'token' && s.status === 'ok').text).toBe('from SSM parameter /upsc/good')
    expect(host.originLog()).toEqual([expect.objectContaining({op: 'fetch', result: 'ok', tokenSent: true})])
    expect(execFileSync('git', ['-C', host.appDir, 'config', '--get', 'remote.origin.url'], {env: host.env}).toString().trim()).toBe(
      'https://github.com/upscpro/upscapp-be.git',
    )
    expect(await servedVersion(host)).toBe('main')
    expectTokenNowhere(host, run)
  }, 60_000)

  it("finds its region without UPSC_REGION or AWS_REGION: the agent's AWS_SSM_REGION_NAME", async () => {
    const host = tokenHost({requiredToken: GOOD})
    delete host.env.AWS_DEFAULT_REGION
    host.env.AWS_SSM_REGION_NAME = 'eu-central-1'
    const run = await runScript(host, 'deploy', settings('/upsc/good', {UPSC_REGION: undefined}))
    expect(
      run.steps.find((s) => s.name === 'token' && s.status !== 'start'),
      run.stdout,
    ).toMatchObject({status: 'ok'})
    expect(run.code).toBe(0)
  }, 60_000)

  it('rejects a value that is not a GitHub token before any git call, without showing it', async () => {
    const host = tokenHost()
    const run = await runScript(host, 'deploy', settings('/upsc/not-a-token'))
    expect(run.code).toBe(1)
    expect(run.result).toMatchObject({failedStep: 'token', outcome: 'failed'})
    expect(run.result.reason).toBe(
      'the value of SSM parameter /upsc/not-a-token is not a GitHub token (expected a ghp_, github_pat_, gho_, ghs_ or ghu_ prefix); it was not used',
    )
    expect(host.originLog()).toEqual([])
    expectTokenNowhere(host, run)
  }, 60_000)

  it('tells a token rejected by origin (no retry) from a network failure (retried)', async () => {
    const rejected = tokenHost({requiredToken: GOOD})
    const auth = await runScript(rejected, 'deploy', settings('/upsc/wrong'))
    expect(auth.code).toBe(1)
    expect(auth.result.failedStep).toBe('fetch')
    expect(auth.result.reason).toMatch(/^origin rejected the GitHub token from SSM parameter \/upsc\/wrong: .*Authentication failed/)
    expect(auth.result.advice).toMatch(/invalid, expired or has no access.*store a new token in \/upsc\/wrong/)
    expect(rejected.originLog()).toEqual([expect.objectContaining({result: 'auth', tokenSent: true})])
    expect(auth.warnings).toEqual([])
    expectTokenNowhere(rejected, auth)

    const offline = tokenHost({requiredToken: GOOD, failFetches: 999, fetchFailure: 'network'})
    const net = await runScript(offline, 'deploy', settings('/upsc/good', {UPSC_RETRY_TRIES: 2, UPSC_RETRY_BASE_SECONDS: 0.05}))
    expect(net.code).toBe(1)
    expect(net.result.reason).toMatch(/^cannot reach origin \(network unreachable\)/)
    expect(net.result.advice).toMatch(/outbound access/)
    expect(net.result.advice).not.toMatch(/token/)
    expect(offline.originLog().map((e) => e.result)).toEqual(['network', 'network', 'network'])
    expectTokenNowhere(offline, net)
    expect(historyFile(offline).at(-1)).toMatchObject({outcome: 'failed', failedStep: 'fetch'})
  }, 60_000)

  it('says when the token cannot be read from Parameter Store', async () => {
    const host = tokenHost()
    const run = await runScript(host, 'deploy', settings('/upsc/missing'))
    expect(run.code).toBe(1)
    expect(run.result.failedStep).toBe('token')
    expect(run.result.reason).toMatch(/could not read the GitHub token from SSM parameter \/upsc\/missing: .*ParameterNotFound/)
    expect(run.result.advice).toMatch(/ssm:GetParameter/)
    expect(host.originLog()).toEqual([])
  }, 60_000)

  it('says a private repository needs a token when none is configured', async () => {
    const host = tokenHost({requiredToken: GOOD})
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
    expect(run.code).toBe(1)
    expect(run.result.reason).toMatch(/^origin requires credentials and no token is configured/)
    expect(run.result.advice).toMatch(/private/)
    expect(host.originLog()).toEqual([expect.objectContaining({result: 'auth', tokenSent: false})])
  }, 60_000)
})
