// app.sh (upsc app restart|stop|start) run for real by bash on sandbox hosts.
import {describe, expect, it} from 'vitest'
import {FAST, historyFile, newHost, servedVersion, stepSummary} from './helpers.ts'
import {runScript} from './run-script.ts'

describe('app.sh', () => {
  it('stops one service, starts it again behind the health gate, restarts all; each recorded as kind app', async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    const commit = host.commitOf('main')

    const stop = await runScript(host, 'app', {
      ...FAST,
      UPSC_APP_ACTION: 'stop',
      UPSC_APP_SERVICE_COUNT: 1,
      UPSC_APP_SERVICE_1: 'worker',
      UPSC_DEPLOY_ID: 'a-1',
    })
    expect(stop.code, stop.stdout).toBe(0)
    expect(stepSummary(stop)).toEqual(['lock ok', 'docker ok', 'stop ok'])
    expect(host.container('worker').state).toBe('exited')
    expect(host.container('api').state).toBe('running')
    expect(stop.result).toMatchObject({kind: 'app', id: 'a-1', outcome: 'succeeded', action: 'stop', services: ['worker'], commit, lock: null})

    const start = await runScript(host, 'app', {...FAST, UPSC_APP_ACTION: 'start', UPSC_APP_SERVICE_COUNT: 1, UPSC_APP_SERVICE_1: 'worker'})
    expect(start.code, start.stdout).toBe(0)
    expect(stepSummary(start)).toEqual(['lock ok', 'docker ok', 'start ok', 'health ok'])
    expect(host.container('worker').state).toBe('running')

    const pid = host.container('api').pid
    const restart = await runScript(host, 'app', {...FAST, UPSC_APP_ACTION: 'restart'})
    expect(restart.code, restart.stdout).toBe(0)
    expect(restart.result.healthChecks).toEqual([expect.objectContaining({name: 'api', ok: true})])
    expect(host.container('api').pid).not.toBe(pid)
    expect(await servedVersion(host)).toBe('main')

    const records = historyFile(host)
    expect(records.slice(1).map((r) => [r.kind, r.action, r.services, r.outcome, r.runningCommit, r.commit])).toEqual([
      ['app', 'stop', ['worker'], 'succeeded', commit, null],
      ['app', 'start', ['worker'], 'succeeded', commit, null],
      ['app', 'restart', [], 'succeeded', commit, null],
    ])
  }, 90_000)

  it('refuses while deploys are held (exit 6), and a bad service name (exit 2) before touching anything', async () => {
    const host = newHost()
    expect((await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'acquire', UPSC_LOCK_MESSAGE: 'freeze'})).code).toBe(0)
    const held = await runScript(host, 'app', {...FAST, UPSC_APP_ACTION: 'restart'})
    expect(held.code).toBe(6)
    expect(held.result).toMatchObject({failedStep: 'lock', lock: {message: 'freeze'}})
    const bad = await runScript(host, 'app', {...FAST, UPSC_APP_ACTION: 'stop', UPSC_APP_SERVICE_COUNT: 1, UPSC_APP_SERVICE_1: '-x;rm'})
    expect(bad.code).toBe(2)
    expect(historyFile(host)).toEqual([])
  }, 30_000)
})
