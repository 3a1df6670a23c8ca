// Automatic rollback (deploy.sh) and rollback.sh on sandbox hosts.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, healthStatus, historyFile, newHost, servedVersion, stepSummary} from './helpers.ts'
import {runScript} from './run-script.ts'

/** An unhealthy version fails its gate quickly in tests. */
const QUICK_FAIL = {UPSC_HEALTH_TIMEOUT_SECONDS: 2}

async function deploy(host, branch, settings = {}) {
  return runScript(host, 'deploy', {...FAST, UPSC_BRANCH: branch, ...settings})
}

async function deployOk(host, branch, settings = {}) {
  const run = await deploy(host, branch, settings)
  expect(run.code, run.stdout).toBe(0)
  return run
}

describe('automatic rollback', () => {
  it('returns to the previous good deployment when the new one fails its health gate (exit 5, no build)', async () => {
    const host = newHost()
    await deployOk(host, 'main')
    const good = (await deployOk(host, 'feature-x')).result
    const builds = host.buildCount()
    const run = await deploy(host, 'bad-health', QUICK_FAIL)

    expect(run.code).toBe(5)
    const bad = host.commitOf('bad-health')
    expect(run.result).toMatchObject({
      outcome: 'rolled-back',
      exitCode: 5,
      branch: 'bad-health',
      commit: bad,
      previousCommit: good.commit,
      rolledBackTo: good.commit,
      failedStep: 'health',
    })
    expect(run.result.reason).toMatch(/status 500, expected 200.*rolled back to [0-9a-f]{12}, which is healthy/)
    expect(run.result.advice).toContain(good.commit.slice(0, 12))
    expect(run.result.healthChecks[0]).toMatchObject({name: 'api', status: 500, ok: false})
    expect(run.result.rollbackHealthChecks[0]).toMatchObject({name: 'api', status: 200, ok: true})
    expect(stepSummary(run)).toEqual([
      'lock ok',
      'docker ok',
      'fetch ok',
      'checkout ok',
      'config ok',
      'build ok',
      'tag ok',
      'up ok',
      'health fail',
      'rollback-checkout ok',
      'rollback-restore ok',
      'rollback-up ok',
      'rollback-health ok',
    ])
    // The failing services' last log lines are shown.
    expect(run.stdout).toMatch(/----- last 50 log lines of: api -----\n(.*\n)*api-1 .*GET \/health HTTP\/1.1" 500/)

    // Zero builds during the rollback: the bad deploy built twice (api, worker), nothing more.
    expect(host.buildCount()).toBe(builds + 2)
    // The previous commit serves again, over real HTTP.
    expect(await servedVersion(host)).toBe('feature-x')
    expect(await healthStatus(host)).toBe(200)
    expect(host.headCommit()).toBe(good.commit)

    const records = historyFile(host)
    expect(run.records).toEqual(records.slice(-2))
    expect(records.slice(-2)).toEqual([
      expect.objectContaining({id: run.result.id, kind: 'deploy', commit: bad, outcome: 'rolled-back', failedStep: 'health', rolledBackTo: good.commit}),
      expect.objectContaining({
        id: `${run.result.id}-rollback`,
        kind: 'rollback',
        commit: good.commit,
        previousCommit: bad,
        outcome: 'succeeded',
        auto: true,
        rebuilt: false,
        branch: 'feature-x',
      }),
    ])
    expect(Object.keys(records.at(-1).steps)).toEqual(['rollback-checkout', 'rollback-restore', 'rollback-up', 'rollback-health'])
    expect(fs.existsSync(path.join(host.upscHome, 'lock.json'))).toBe(false)

    // status afterwards: the good commit, healthy.
    const probe = await runScript(host, 'probe', FAST)
    expect(probe.result.repo).toMatchObject({commit: good.commit, branch: 'feature-x'})
    expect(probe.result.healthChecks[0].ok).toBe(true)
    expect(probe.result.lastDeployment.kind).toBe('rollback')
  }, 60_000)

  it('leaves the failed version running with UPSC_NO_ROLLBACK=1', async () => {
    const host = newHost()
    await deployOk(host, 'main')
    const run = await deploy(host, 'bad-health', {...QUICK_FAIL, UPSC_NO_ROLLBACK: 1})
    expect(run.code).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'health', rolledBackTo: null})
    expect(run.result.advice).toMatch(/left running/)
    expect(stepSummary(run).at(-1)).toBe('health fail')
    expect(await servedVersion(host)).toBe('bad-health')
    expect(await healthStatus(host)).toBe(500)
    expect(historyFile(host).map((r) => r.outcome)).toEqual(['succeeded', 'failed'])
    // An explicit rollback then returns to main, without a build.
    const builds = host.buildCount()
    const back = await runScript(host, 'rollback', FAST)
    expect(back.code, back.stdout).toBe(0)
    expect(back.result.commit).toBe(host.commitOf('main'))
    expect(host.buildCount()).toBe(builds)
    expect(await servedVersion(host)).toBe('main')
  }, 60_000)

  it('fails (exit 1) when there is no previous good deployment to return to', async () => {
    const host = newHost()
    const run = await deploy(host, 'bad-health', QUICK_FAIL)
    expect(run.code).toBe(1)
    expect(run.result.advice).toMatch(/no previous succeeded deployment/)
    expect(historyFile(host).map((r) => r.outcome)).toEqual(['failed'])
  }, 60_000)
})

describe('rollback.sh', () => {
  it('after two good deploys, returns to the first without building', async () => {
    const host = newHost()
    const first = (await deployOk(host, 'main', {UPSC_DEPLOY_ID: 'first'})).result
    await deployOk(host, 'feature-x')
    const builds = host.buildCount()
    const run = await runScript(host, 'rollback', {...FAST, UPSC_DEPLOY_ID: 'rb-1'})
    expect(run.code, run.stdout).toBe(0)
    expect(host.buildCount()).toBe(builds)
    expect(stepSummary(run)).toEqual(['lock ok', 'target ok', 'docker ok', 'checkout ok', 'restore ok', 'up ok', 'health ok'])
    expect(run.result).toMatchObject({
      kind: 'rollback',
      id: 'rb-1',
      outcome: 'succeeded',
      exitCode: 0,
      commit: first.commit,
      branch: 'main',
      previousCommit: host.commitOf('feature-x'),
      targetId: 'first',
      rebuilt: false,
    })
    expect(await servedVersion(host)).toBe('main')
    expect(historyFile(host).at(-1)).toMatchObject({id: 'rb-1', kind: 'rollback', outcome: 'succeeded', commit: first.commit, auto: false})
  }, 60_000)

  it('goes to a chosen deployment by id or by commit prefix', async () => {
    const host = newHost()
    await deployOk(host, 'main', {UPSC_DEPLOY_ID: 'd-main'})
    await deployOk(host, 'feature-x', {UPSC_DEPLOY_ID: 'd-fx'})
    const fx = host.commitOf('feature-x')
    host.pushBranch('feature-x', {'app/VERSION': 'feature-x-2\n'})
    await deployOk(host, 'feature-x', {UPSC_DEPLOY_ID: 'd-fx2'})
    const byId = await runScript(host, 'rollback', {...FAST, UPSC_ROLLBACK_TO: 'd-main'})
    expect(byId.code, byId.stdout).toBe(0)
    expect(await servedVersion(host)).toBe('main')
    const byCommit = await runScript(host, 'rollback', {...FAST, UPSC_ROLLBACK_TO: fx.slice(0, 8)})
    expect(byCommit.code, byCommit.stdout).toBe(0)
    expect(byCommit.result.targetId).toBe('d-fx')
    expect(await servedVersion(host)).toBe('feature-x')
  }, 60_000)

  it('rebuilds, and says so, when the images of the target are gone', async () => {
    const host = newHost()
    const first = (await deployOk(host, 'main')).result
    await deployOk(host, 'feature-x')
    // Remove main's upsc- tags behind upsc's back.
    const {execFileSync} = await import('node:child_process')
    for (const service of ['api', 'worker']) {
      execFileSync('docker', ['image', 'rm', `upscapp-be-${service}:upsc-${first.commit.slice(0, 12)}`], {env: host.env})
    }
    const builds = host.buildCount()
    const run = await runScript(host, 'rollback', FAST)
    expect(run.code, run.stdout).toBe(0)
    expect(run.warnings.join('\n')).toMatch(/images tagged upsc-[0-9a-f]{12} are missing .*rebuilding/)
    expect(run.result.rebuilt).toBe(true)
    expect(host.buildCount()).toBe(builds + 2)
    expect(await servedVersion(host)).toBe('main')
    expect(historyFile(host).at(-1)).toMatchObject({kind: 'rollback', rebuilt: true, outcome: 'succeeded'})
  }, 60_000)

  it('fails clearly when there is nothing to roll back to', async () => {
    const host = newHost()
    await deployOk(host, 'main')
    const run = await runScript(host, 'rollback', FAST)
    expect(run.code).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'target'})
    expect(run.result.reason).toMatch(/^nothing to roll back to/)
    expect(await servedVersion(host)).toBe('main')
    expect(fs.existsSync(path.join(host.upscHome, 'lock.json'))).toBe(false)
  }, 60_000)

  it('fails clearly on an unknown target, and on a deployment that did not succeed', async () => {
    const host = newHost()
    await deployOk(host, 'main')
    const failed = await deploy(host, 'build-fails', {UPSC_DEPLOY_ID: 'broken'})
    expect(failed.code).toBe(1)
    const unknown = await runScript(host, 'rollback', {...FAST, UPSC_ROLLBACK_TO: 'deadbeef'})
    expect(unknown.code).toBe(1)
    expect(unknown.result.reason).toBe('unknown rollback target deadbeef: no succeeded deployment has that id or commit')
    const notOk = await runScript(host, 'rollback', {...FAST, UPSC_ROLLBACK_TO: 'broken'})
    expect(notOk.code).toBe(1)
    expect(notOk.result.reason).toMatch(/deployment broken did not succeed/)
    const bad = await runScript(host, 'rollback', {...FAST, UPSC_ROLLBACK_TO: '$(touch x)'})
    expect(bad.code).toBe(2)
  }, 60_000)

  it('fails (exit 1) when the rolled-back version is unhealthy', async () => {
    const host = newHost()
    await deployOk(host, 'main')
    await deployOk(host, 'feature-x')
    // main's images now answer 503: mark its image files unhealthy through a new container health file
    // after the switch is impossible to time, so break the target image instead.
    const state = path.join(host.paths.dockerState, 'state.json')
    const json = JSON.parse(fs.readFileSync(state, 'utf8'))
    for (const image of Object.values(json.images)) {
      if (image.tags.some((t) => t.includes(`upsc-${host.commitOf('main').slice(0, 12)}`))) image.files.health = '503\n'
    }
    fs.writeFileSync(state, JSON.stringify(json))
    const run = await runScript(host, 'rollback', {...FAST, ...QUICK_FAIL})
    expect(run.code).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'health'})
    expect(run.result.advice).toMatch(/running but unhealthy/)
    expect(historyFile(host).at(-1)).toMatchObject({kind: 'rollback', outcome: 'failed', failedStep: 'health'})
  }, 60_000)
})
