// deploy.sh's compose check (`docker compose config --quiet` right after the checkout), run for real.
import {describe, expect, it} from 'vitest'
import {FAST, historyFile, newHost, servedVersion, stepSummary} from './helpers.ts'
import {runScript} from './run-script.ts'

describe('deploy.sh: compose check', () => {
  it("a broken compose file fails at the config step with compose's message: nothing built, nothing restarted", async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    const builds = host.buildCount()
    const apiId = host.container('api').id
    host.pushBranch('broken-compose', {'docker-compose.yml': JSON.stringify({services: {api: {biuld: './app'}}})})

    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'broken-compose'})
    expect(run.code).toBe(1)
    expect(stepSummary(run)).toEqual(['lock ok', 'docker ok', 'fetch ok', 'checkout ok', 'config fail'])
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'config'})
    expect(run.result.reason).toMatch(/^docker compose config: validating \S+docker-compose\.yml: services\.api Additional property biuld is not allowed$/)
    expect(run.result.advice).toMatch(/upsc validate.*running version was not changed/)
    expect(host.buildCount()).toBe(builds)
    expect(host.container('api').id).toBe(apiId)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(historyFile(host).at(-1)).toMatchObject({outcome: 'failed', failedStep: 'config'})
  }, 60_000)
})
