// Image retention (deploy.sh) and history.sh on sandbox hosts.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, historyFile, newHost, upscTaggedCommits} from './helpers.ts'
import {runScript} from './run-script.ts'

async function deploy(host, branch, settings = {}) {
  return runScript(host, 'deploy', {...FAST, UPSC_BRANCH: branch, ...settings})
}

async function deployOk(host, branch, settings = {}) {
  const run = await deploy(host, branch, settings)
  expect(run.code, run.stdout).toBe(0)
  return run
}

describe('retention', () => {
  it('keeps the upsc- images of exactly the last N succeeded deployments', async () => {
    const host = newHost()
    const keep = {UPSC_KEEP_IMAGES: 2}
    const a = (await deployOk(host, 'main', keep)).result.commit
    const b = (await deployOk(host, 'feature-x', keep)).result.commit
    expect(upscTaggedCommits(host)).toEqual([a, b].map((c) => c.slice(0, 12)).sort())
    const c = host.pushBranch('feature-x', {'app/VERSION': 'feature-x-2\n'})
    await deployOk(host, 'feature-x', keep)
    expect(upscTaggedCommits(host)).toEqual([b, c].map((x) => x.slice(0, 12)).sort())
    const d = host.pushBranch('feature-x', {'app/VERSION': 'feature-x-3\n'})
    const run = await deployOk(host, 'feature-x', keep)
    expect(upscTaggedCommits(host)).toEqual([c, d].map((x) => x.slice(0, 12)).sort())
    expect(run.steps.find((s) => s.name === 'retention' && s.status === 'ok').text).toBe('kept the images of 2 commits, removed 2 tags')
    // The latest tags (what runs) are untouched.
    expect(host.images().flatMap((i) => i.tags)).toEqual(expect.arrayContaining(['upscapp-be-api:latest', 'upscapp-be-worker:latest']))
  }, 90_000)

  it('never removes the rollback target, even with N=1', async () => {
    const host = newHost()
    const a = (await deployOk(host, 'main', {UPSC_KEEP_IMAGES: 1})).result.commit
    const b = (await deployOk(host, 'feature-x', {UPSC_KEEP_IMAGES: 1})).result.commit
    expect(upscTaggedCommits(host)).toEqual([a, b].map((c) => c.slice(0, 12)).sort())
  }, 60_000)
})

describe('history.sh', () => {
  it('lists records newest first, with a limit', async () => {
    const host = newHost()
    await deployOk(host, 'main', {UPSC_DEPLOY_ID: 'one'})
    await deploy(host, 'build-fails', {UPSC_DEPLOY_ID: 'two'})
    await deployOk(host, 'feature-x', {UPSC_DEPLOY_ID: 'three'})
    const all = await runScript(host, 'history', {})
    expect(all.code).toBe(0)
    expect(all.result.records.map((r) => [r.id, r.outcome])).toEqual([
      ['three', 'succeeded'],
      ['two', 'failed'],
      ['one', 'succeeded'],
    ])
    expect(all.result).toMatchObject({total: 3, skipped: 0})
    const limited = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 2})
    expect(limited.result.records.map((r) => r.id)).toEqual(['three', 'two'])
  }, 60_000)

  it('tolerates a torn last line, and the next record still starts on its own line', async () => {
    const host = newHost()
    await deployOk(host, 'main', {UPSC_DEPLOY_ID: 'one'})
    const file = path.join(host.upscHome, 'deployments.jsonl')
    const whole = fs.readFileSync(file, 'utf8')
    // A power loss mid-append: half a record, no newline. Cut right after a nested "}" too.
    const torn = whole.trim().replace('"id":"one"', '"id":"torn"')
    fs.appendFileSync(file, torn.slice(0, torn.indexOf('},') + 1))
    const history = await runScript(host, 'history', {})
    expect(history.code).toBe(0)
    expect(history.result.records.map((r) => r.id)).toEqual(['one'])
    expect(history.result.skipped).toBe(1)
    expect(history.warnings).toEqual([expect.stringMatching(/skipped 1 incomplete line/)])

    await deployOk(host, 'feature-x', {UPSC_DEPLOY_ID: 'two'})
    const after = await runScript(host, 'history', {})
    expect(after.result.records.map((r) => r.id)).toEqual(['two', 'one'])
    expect(after.result.skipped).toBe(1)
    const lines = fs.readFileSync(file, 'utf8').split('\n')
    expect(JSON.parse(lines.at(-2)).id).toBe('two')
    const probe = await runScript(host, 'probe', {})
    expect(probe.result.lastDeployment.id).toBe('two')
  }, 60_000)

  it('prints an empty list when there is no history', async () => {
    const host = newHost()
    const run = await runScript(host, 'history', {})
    expect(run.result).toEqual({records: [], total: 0, skipped: 0, next: null, current: null})
  }, 30_000)

  it('reports what the stack was last started from (current.json)', async () => {
    const host = newHost()
    const current = {commit: 'a'.repeat(40), branch: 'main', id: 'd-1', since: '2026-11-28T18:00:00Z'}
    fs.mkdirSync(host.upscHome, {recursive: true})
    fs.writeFileSync(path.join(host.upscHome, 'current.json'), `${JSON.stringify(current)}\n`)
    const run = await runScript(host, 'history', {})
    expect(run.result.current).toEqual(current)
  }, 30_000)
})

/**
 * N failed deploy records, newest last, shaped as deploy.sh writes them (about 700 characters
 * each), appended after what the host already has.
 * @param {{upscHome: string}} host @param {number} n
 */
function appendFailedRecords(host, n) {
  const lines = []
  for (let i = 0; i < n; i++) {
    const id = `gen-${String(i).padStart(5, '0')}`
    lines.push(
      JSON.stringify({
        id,
        kind: 'deploy',
        branch: 'feature/generated-load',
        commit: 'f'.repeat(40),
        previousCommit: 'e'.repeat(40),
        startedAt: `2026-11-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
        finishedAt: '2026-11-01T00:01:00Z',
        durationSeconds: 61.2,
        steps: {lock: 0.0, docker: 0.1, token: 0.4, fetch: 1.2, checkout: 0.3, build: 55.1, tag: 0.2, up: 2.1, health: 2.0},
        outcome: 'failed',
        failedStep: 'health',
        reason: 'health checks failed after 120s: api http://127.0.0.1:8000/health: status 500, expected 200; rolled back',
        rolledBackTo: null,
        auto: false,
        rebuilt: false,
        caller: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformEngineerAccess_0123456789abcdef/jane.doe@example.com',
        commandId: '0b6c7a8e-1234-4f00-9abc-0123456789ab',
        toolVersion: '0.1.0',
        hostname: 'ip-10-0-1-10',
        schema: 1,
      }),
    )
  }
  fs.appendFileSync(path.join(host.upscHome, 'deployments.jsonl'), `${lines.join('\n')}\n`)
  return lines
}

describe('a history of thousands of records', () => {
  it('pages: each page stays within its character budget, and pages join without gaps or repeats', async () => {
    const host = newHost()
    fs.mkdirSync(host.upscHome, {recursive: true})
    const lines = appendFailedRecords(host, 5000)
    const newest = lines.map((l) => JSON.parse(l).id).reverse()
    const ids = []
    let skip = 0
    let pages = 0
    while (ids.length < 40 && skip !== null) {
      const run = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 40 - ids.length, UPSC_HISTORY_SKIP: skip, UPSC_HISTORY_MAX_CHARS: 2000})
      const resultLine = run.stdout.split('\n').find((l) => l.startsWith('::upsc result '))
      expect(resultLine.length).toBeLessThan(2500)
      expect(run.result.total).toBe(5000)
      ids.push(...run.result.records.map((r) => r.id))
      skip = run.result.next
      pages += 1
    }
    expect(ids).toEqual(newest.slice(0, 40))
    expect(pages).toBeGreaterThan(1)
    const last = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 10, UPSC_HISTORY_SKIP: 4995})
    expect(last.result.records.map((r) => r.id)).toEqual(newest.slice(4995))
    expect(last.result.next).toBeNull()
  }, 120_000)

  it('rotates deployments.jsonl whole, keeps every record readable, and finds the rollback target behind 5,000 failed attempts', async () => {
    const host = newHost()
    const good = (await deployOk(host, 'main', {UPSC_DEPLOY_ID: 'good-main'})).result.commit
    await deployOk(host, 'feature-x', {UPSC_DEPLOY_ID: 'good-fx'})
    appendFailedRecords(host, 5000)
    const file = path.join(host.upscHome, 'deployments.jsonl')
    const before = fs.readFileSync(file, 'utf8')

    const plan = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 0, UPSC_ROLLBACK_PLAN: 1})
    expect(plan.result.rollback).toMatchObject({running: host.commitOf('feature-x'), problem: null, target: {id: 'good-main', commit: good}})
    expect(plan.result.total).toBe(5002)

    const rollback = await runScript(host, 'rollback', {...FAST, UPSC_HISTORY_ROTATE_LINES: 1000})
    expect(rollback.code, rollback.stdout).toBe(0)
    expect(rollback.result).toMatchObject({targetId: 'good-main', commit: good})
    // Moved whole, never edited, before the rollback's record; a new file starts with that record.
    expect(fs.readFileSync(path.join(host.upscHome, 'deployments.000001.jsonl'), 'utf8')).toBe(before)
    expect(historyFile(host).map((r) => r.id)).toEqual([rollback.result.id])
    const after = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 2})
    expect(after.result.records.map((r) => r.id)).toEqual([rollback.result.id, 'gen-04999'])
    expect(after.result.total).toBe(5003)
  }, 120_000)

  it('says why there is no target, for --to too (one rule on the host)', async () => {
    const host = newHost()
    await deployOk(host, 'main', {UPSC_DEPLOY_ID: 'only'})
    await deploy(host, 'build-fails', {UPSC_DEPLOY_ID: 'broken'})
    const none = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 0, UPSC_ROLLBACK_PLAN: 1})
    expect(none.result.rollback).toEqual({
      running: host.commitOf('main'),
      target: null,
      problem: `nothing to roll back to: no succeeded deployment other than the running commit ${host.commitOf('main').slice(0, 12)}`,
    })
    const broken = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 0, UPSC_ROLLBACK_PLAN: 1, UPSC_ROLLBACK_TO: 'broken'})
    expect(broken.result.rollback.problem).toBe('deployment broken did not succeed (outcome failed): it is not a rollback target')
    const running = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 0, UPSC_ROLLBACK_PLAN: 1, UPSC_ROLLBACK_TO: 'only'})
    expect(running.result.rollback.problem).toBe(`${host.commitOf('main').slice(0, 12)} is already the running commit`)
    // current.json missing: the running commit is the checkout's HEAD.
    fs.rmSync(path.join(host.upscHome, 'current.json'))
    const noCurrent = await runScript(host, 'history', {UPSC_HISTORY_LIMIT: 0, UPSC_ROLLBACK_PLAN: 1})
    expect(noCurrent.result.rollback.running).toBe(host.commitOf('main'))
  }, 60_000)
})
