// The git wrapper and the fake origin, driven by bash with a host's environment.
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createSandboxHost, ORIGIN_URL} from '../../tools/stand-in/sandbox-host.js'
import {run, tempDir} from './helpers.ts'

const NETWORK_ERROR = `fatal: unable to access '${ORIGIN_URL}/': Could not resolve host: github.com\n`
const AUTH_ERROR = `remote: Invalid username or password.\nfatal: Authentication failed for '${ORIGIN_URL}/'\n`

/** Environment git config carrying the token the way the remote scripts send it. @param {string} token */
function tokenEnv(token) {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
  return {GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`}
}

/** @type {ReturnType<typeof tempDir>} */
let temp
/** @type {import('../../tools/stand-in/sandbox-host.js').SandboxHost} */
let host

/** @param {string} script @param {Record<string, string>} [extraEnv] */
const onHost = (script, extraEnv = {}) => run(script, {env: {...host.env, ...extraEnv}, cwd: host.appDir})

beforeAll(() => {
  temp = tempDir('rig-git')
  host = createSandboxHost({dir: path.join(temp.dir, 'host'), failFetches: 2})
})
afterAll(() => {
  host?.cleanup()
  temp?.remove()
})

describe('git wrapper: flaky origin', {timeout: 20_000}, () => {
  it("fails the first N fetches with git's own network error, then lets them through", async () => {
    const first = await onHost('git fetch origin')
    expect(first.code).toBe(128)
    expect(first.stderr).toBe(NETWORK_ERROR)
    const second = await onHost('git fetch origin')
    expect(second.code).toBe(128)
    const third = await onHost('git fetch -q origin feature-x && git rev-parse FETCH_HEAD')
    expect(third.code).toBe(0)
    expect(third.stdout.trim()).toBe(host.commitOf('feature-x'))
    expect(host.originLog().map((entry) => entry.result)).toEqual(['network', 'network', 'ok'])
    expect(host.originState().failFetches).toBe(0)
  })

  it('fails with the authentication error when told so', async () => {
    host.setOriginFaults({failFetches: 1, failure: 'auth'})
    const failed = await onHost('git ls-remote origin main')
    expect(failed.code).toBe(128)
    expect(failed.stderr).toBe(AUTH_ERROR)
    const ok = await onHost('git ls-remote origin main')
    expect(ok.stdout).toContain(host.commitOf('main'))
  })

  it('leaves local commands alone while the origin is down', async () => {
    host.setOriginFaults({failFetches: 999, failure: 'network'})
    try {
      const local = await onHost('git rev-parse HEAD && git status --porcelain && git config remote.origin.url')
      expect(local.code).toBe(0)
      expect(local.stdout).toBe(`${host.headCommit()}\n${ORIGIN_URL}\n`)
      const pull = await onHost('git pull -q origin main')
      expect(pull.code).toBe(128)
      expect(pull.stderr).toBe(NETWORK_ERROR)
    } finally {
      host.setOriginFaults({failFetches: 0})
    }
  })

  it("clones the GitHub URL from the local origin (through the host's /etc/gitconfig)", async () => {
    const target = path.join(host.root, 'tmp', 'clone')
    const result = await onHost(`git clone -q ${ORIGIN_URL} "${target}" && git -C "${target}" rev-parse origin/bad-health`)
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe(host.commitOf('bad-health'))
    expect(fs.readFileSync(path.join(target, 'app/health'), 'utf8')).toBe('200\n')
  })
})

describe('git wrapper: token-protected origin', {timeout: 20_000}, () => {
  const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'
  beforeAll(() => host.setOriginFaults({failFetches: 0, requiredToken: token}))
  afterAll(() => host.setOriginFaults({requiredToken: null}))

  it('rejects a fetch without a token', async () => {
    const result = await onHost('git fetch origin')
    expect(result.code).toBe(128)
    expect(result.stderr).toBe(AUTH_ERROR)
    expect(host.originLog().at(-1)).toMatchObject({op: 'fetch', result: 'auth', tokenSent: false})
  })

  it('rejects a wrong token', async () => {
    const result = await onHost('git fetch origin', tokenEnv('ghp_wrong'))
    expect(result.code).toBe(128)
    expect(result.stderr).toBe(AUTH_ERROR)
    expect(host.originLog().at(-1)).toMatchObject({result: 'auth', tokenSent: true})
  })

  it('accepts the right token sent through environment git config', async () => {
    const result = await onHost('git fetch -q origin main && echo fetched', tokenEnv(token))
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('fetched\n')
  })

  it('accepts the key in any case, and rejects the token on the command line', async () => {
    const env = {...tokenEnv(token), GIT_CONFIG_KEY_0: 'HTTP.EXTRAHEADER'}
    expect((await onHost('git fetch -q origin', env)).code).toBe(0)
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
    const argv = await onHost(`git -c http.extraHeader="Authorization: Basic ${basic}" fetch origin`)
    expect(argv.code).toBe(128)
  })

  it('never writes the token to its log', () => {
    const log = fs.readFileSync(`${host.paths.originState}.log.jsonl`, 'utf8')
    expect(log).not.toContain(token)
    expect(log).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'))
  })
})
