// The operator's hold (lock.sh acquire/release, lib.sh hold_*) run for real by bash on sandbox hosts.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, historyFile, newHost, servedVersion} from './helpers.ts'
import {runScript} from './run-script.ts'

const OPERATOR = 'arn:aws:sts::123456789012:assumed-role/oncall/bob'

describe('lock.sh acquire and the hold', () => {
  it('holds deploys with a message until released: deploy refuses (exit 6) naming the holder and the message', async () => {
    const host = newHost()
    const acquired = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'acquire', UPSC_LOCK_MESSAGE: 'incident 42: "db" failover', UPSC_CALLER: OPERATOR})
    expect(acquired.code, acquired.stdout).toBe(0)
    expect(acquired.result.hold).toEqual({
      message: 'incident 42: "db" failover',
      caller: OPERATOR,
      since: expect.stringMatching(/Z$/),
      expiresAt: null,
      expires: null,
      commandId: null,
    })

    const status = await runScript(host, 'lock', {})
    expect(status.result.hold.message).toBe('incident 42: "db" failover')
    expect(status.result.message).toContain('deploys held by ' + OPERATOR)

    const deploy = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})
    expect(deploy.code).toBe(6)
    expect(deploy.result).toMatchObject({outcome: 'failed', failedStep: 'lock', lock: {message: 'incident 42: "db" failover', caller: OPERATOR}})
    expect(deploy.result.reason).toMatch(/^deploys are held by arn:.*\/bob since \S+Z: incident 42: "db" failover$/)
    expect(host.buildCount()).toBe(0)
    expect(historyFile(host)).toEqual([])

    const second = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'acquire', UPSC_LOCK_MESSAGE: 'me too'})
    expect(second.code).toBe(6)
    expect(second.result.hold.message).toBe('incident 42: "db" failover')

    const released = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'release'})
    expect(released.code).toBe(0)
    expect(released.result).toMatchObject({released: true, hold: null})
    expect(fs.existsSync(path.join(host.upscHome, 'hold.json'))).toBe(false)
    const after = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})
    expect(after.code, after.stdout).toBe(0)
    expect(await servedVersion(host)).toBe('feature-x')
  }, 60_000)

  it('an expired hold no longer holds deploys', async () => {
    const host = newHost()
    const acquired = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'acquire', UPSC_LOCK_MESSAGE: 'short', UPSC_LOCK_TTL_SECONDS: 60})
    expect(acquired.result.hold.expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(50)
    expect(acquired.result.hold.expiresAt).toBe(new Date(acquired.result.hold.expires * 1000).toISOString().replace('.000', ''))
    // Age the hold as time would.
    const file = path.join(host.upscHome, 'hold.json')
    const hold = JSON.parse(fs.readFileSync(file, 'utf8'))
    fs.writeFileSync(file, JSON.stringify({...hold, expires: hold.expires - 120}))
    expect((await runScript(host, 'lock', {})).result.hold).toBeNull()
    const deploy = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
    expect(deploy.code, deploy.stdout).toBe(0)
  }, 60_000)

  it('refuses an acquire without a message (exit 2)', async () => {
    const host = newHost()
    const run = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'acquire'})
    expect(run.code).toBe(2)
    expect(fs.existsSync(path.join(host.upscHome, 'hold.json'))).toBe(false)
  })
})
