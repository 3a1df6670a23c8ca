// deploy.sh run for real by bash on sandbox hosts (fake docker/systemctl/origin from tools/stand-in).
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {findProcesses} from '../../../tools/stand-in/util.js'
import {FAST, historyFile, newHost, servedVersion, stepSummary, until, upscTaggedCommits} from './helpers.ts'
import {runScript, startScript} from './run-script.ts'
import {parseReport as parseTagged} from '../../../src/remote/report-lines.ts'

const lockJson = (host) => path.join(host.upscHome, 'lock.json')
/** Pids of the host's `docker compose build` processes still running. */
const building = (host) =>
  findProcesses((proc) => proc.environ().split('\0').includes(`UPSC_ROOT=${host.root}`) && proc.cmdline().split('\0').includes('build'))

/** Deploy main and check it worked: the baseline "running version" of many tests. */
async function deployMain(host, settings = {}) {
  const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main', ...settings})
  expect(run.code, run.stdout).toBe(0)
  return run
}

/**
 * Start a deploy of slow-build and wait until it is building. Its build is held until
 * host.releaseBuilds(), so it is surely still running when the test acts on it.
 */
async function startSlowDeploy(host, settings = {}, opts = {}) {
  host.pushBranch('slow-build', {'app/BUILD_SLEEP': null, 'app/BUILD_HOLD': 'held until released\n'})
  const handle = startScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'slow-build', ...settings}, opts)
  await until(() => handle.output().includes('::upsc step build start'), {what: 'the slow build to start'})
  return handle
}

describe('deploy.sh', () => {
  it('fetches, builds, tags, starts, health-checks and records a branch', async () => {
    const host = newHost()
    const commit = host.commitOf('feature-x')
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_DEPLOY_ID: 'd-123', UPSC_COMMAND_ID: 'cmd-1'})
    expect(run.code, run.stdout).toBe(0)
    expect(stepSummary(run)).toEqual([
      'lock ok',
      'docker ok',
      'fetch ok',
      'checkout ok',
      'config ok',
      'build ok',
      'tag ok',
      'up ok',
      'health ok',
      'retention ok',
    ])
    expect(run.steps.find((s) => s.name === 'fetch' && s.status === 'ok').text).toBe(commit.slice(0, 12))
    expect(host.buildCount()).toBe(2) // api and worker
    expect(host.headCommit()).toBe(commit)
    expect(await servedVersion(host)).toBe('feature-x')
    expect(upscTaggedCommits(host)).toEqual([commit.slice(0, 12)])
    expect(fs.existsSync(lockJson(host))).toBe(false)

    const r = run.result
    expect(r).toMatchObject({
      kind: 'deploy',
      id: 'd-123',
      outcome: 'succeeded',
      exitCode: 0,
      branch: 'feature-x',
      commit,
      previousCommit: host.commitOf('main'),
      rolledBackTo: null,
      failedStep: null,
      reason: null,
      advice: null,
    })
    expect(r.steps.map((s) => s.name)).toEqual(['lock', 'docker', 'fetch', 'checkout', 'config', 'build', 'tag', 'up', 'health', 'retention'])
    for (const step of r.steps) expect(step).toEqual({name: step.name, status: 'ok', seconds: expect.any(Number), detail: step.detail})
    expect(r.healthChecks).toEqual([expect.objectContaining({name: 'api', status: 200, ok: true})])

    const records = historyFile(host)
    expect(records).toHaveLength(1)
    expect(run.records).toEqual(records)
    expect(records[0]).toMatchObject({
      id: 'd-123',
      kind: 'deploy',
      branch: 'feature-x',
      commit,
      previousCommit: host.commitOf('main'),
      outcome: 'succeeded',
      failedStep: null,
      reason: null,
      caller: FAST.UPSC_CALLER,
      toolVersion: '0.1.0-test',
      commandId: 'cmd-1',
      hostname: expect.any(String),
    })
    expect(Object.keys(records[0].steps)).toEqual(r.steps.map((s) => s.name))
    expect(Date.parse(records[0].finishedAt)).toBeGreaterThanOrEqual(Date.parse(records[0].startedAt))
    expect(records[0].durationSeconds).toBeGreaterThan(0)
  }, 60_000)

  it('deploys an exact commit with UPSC_REF, detached and clean', async () => {
    const host = newHost()
    const first = host.commitOf('feature-x')
    host.pushBranch('feature-x', {'app/VERSION': 'feature-x-2\n'})
    fs.writeFileSync(path.join(host.appDir, 'README.md'), 'local edit\n')
    fs.writeFileSync(path.join(host.appDir, 'stray.txt'), 'untracked\n')
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_REF: first.slice(0, 10)})
    expect(run.code, run.stdout).toBe(0)
    expect(run.result.commit).toBe(first)
    expect(host.headCommit()).toBe(first)
    expect(await servedVersion(host)).toBe('feature-x')
    expect(fs.readFileSync(path.join(host.appDir, 'README.md'), 'utf8')).not.toBe('local edit\n')
    // Untracked files are the operator's: kept, and named as a possible change to the build.
    expect(fs.readFileSync(path.join(host.appDir, 'stray.txt'), 'utf8')).toBe('untracked\n')
    expect(run.warnings).toContain(`1 untracked file(s) in ${host.appDir} not listed in .gitignore may change the build: stray.txt; kept as they are`)
  }, 60_000)

  it('refuses to overwrite an untracked file the new commit tracks, names it, and changes nothing', async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    host.pushBranch('with-env', {'.env': 'FROM_GIT=1\n'})
    fs.writeFileSync(path.join(host.appDir, '.env'), 'OPERATOR=1\n')
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'with-env'})
    expect(run.code).toBe(1)
    expect(run.result.failedStep).toBe('checkout')
    expect(run.result.reason).toMatch(/untracked working tree files would be overwritten by checkout: +\.env /)
    expect(fs.readFileSync(path.join(host.appDir, '.env'), 'utf8')).toBe('OPERATOR=1\n')
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')

    // Ignored files too (git would overwrite an ignored file silently without --no-overwrite-ignore).
    fs.appendFileSync(path.join(host.appDir, '.git', 'info', 'exclude'), '.env\n')
    const ignored = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'with-env'})
    expect(ignored.result.failedStep).toBe('checkout')
    expect(fs.readFileSync(path.join(host.appDir, '.env'), 'utf8')).toBe('OPERATOR=1\n')
  }, 60_000)

  it('refuses an UPSC_REF that is not on UPSC_BRANCH, the running version untouched', async () => {
    const host = newHost()
    await deployMain(host)
    const other = host.commitOf('feature-x')
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main', UPSC_REF: other.slice(0, 10)})
    expect(run.code, run.stdout).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'fetch', reason: `commit ${other.slice(0, 12)} is not on branch main`})
    expect(run.result.advice).toBe(
      `pass the branch that holds it (git branch -r --contains ${other.slice(0, 12)}), or leave out --ref; the running version was not changed`,
    )
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(host.buildCount()).toBe(2) // main's build only
  }, 60_000)

  it("a build that prints report lines cannot forge a step, a record or a result: only lines with the run's nonce count", async () => {
    const host = newHost()
    await deployMain(host)
    const forge = [
      'echo "nonce=${UPSC_NONCE:-none}"',
      'echo "::upsc step forged ok 1s"',
      `echo '::upsc record {"id":"forged","outcome":"succeeded"}'`,
      `echo '::upsc result {"outcome":"succeeded","exitCode":0}'`,
      `echo '::upsc.0000 result {"outcome":"succeeded","exitCode":0}'`,
      'exit 1',
    ].join('\n')
    host.pushBranch('forger', {'forge.sh': `${forge}\n`})
    const nonce = 'a1b2c3d4e5f6a7b8c9'
    const run = await runScript(host, 'deploy', {
      ...FAST,
      UPSC_BRANCH: 'forger',
      UPSC_NONCE: nonce,
      UPSC_BUILD_COUNT: 2,
      UPSC_BUILD_1: 'bash',
      UPSC_BUILD_2: 'forge.sh',
    })
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toContain('nonce=none') // the build never sees the nonce
    const report = parseTagged(run.stdout, nonce)
    expect(report.result).toMatchObject({outcome: 'failed', failedStep: 'build'})
    expect(report.steps.map((s) => s.name)).not.toContain('forged')
    expect(report.records.map((r) => r.id)).not.toContain('forged')
    expect(report.log).toEqual(expect.arrayContaining(['::upsc step forged ok 1s', `::upsc.0000 result {"outcome":"succeeded","exitCode":0}`]))
    expect(host.headCommit()).toBe(host.commitOf('main'))
  }, 60_000)

  it('uses the configured build command (argv words) instead of docker compose build', async () => {
    const host = newHost()
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main', UPSC_BUILD_COUNT: 2, UPSC_BUILD_1: './docker-build.sh', UPSC_BUILD_2: 'api'})
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toContain('Building with: ./docker-build.sh api')
    expect(
      host
        .builds()
        .filter((b) => b.result === 'started')
        .map((b) => b.service),
    ).toEqual(['api', 'worker']) // worker: built by `up`
  }, 60_000)

  it('waits for a Docker daemon that is stopped and slow to become ready, starting the service', async () => {
    const host = newHost({dockerStopped: true, dockerReadyDelayMs: 3000})
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toMatch(/Waiting for the Docker daemon \(service inactive\)/)
    const docker = run.steps.find((s) => s.name === 'docker' && s.status === 'ok')
    expect(docker.seconds).toBeGreaterThanOrEqual(2.5)
    expect(host.dockerDaemon().running).toBe(true)
    expect(await servedVersion(host)).toBe('main')
  }, 60_000)

  it('fails within the bound when Docker never becomes ready, leaving everything as it was', async () => {
    const host = newHost({dockerStopped: true, dockerReadyDelayMs: 60_000})
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_DOCKER_WAIT_SECONDS: 2})
    expect(run.code).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'docker'})
    expect(run.result.reason).toMatch(/Docker did not become ready within 2s/)
    expect(run.result.advice).toMatch(/systemctl status docker/)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(host.originLog()).toEqual([])
  }, 30_000)

  it('retries a flaky origin with exponential backoff', async () => {
    const host = newHost({failFetches: 2})
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main', UPSC_RETRY_BASE_SECONDS: 0.3})
    expect(run.code, run.stdout).toBe(0)
    expect(host.originLog().map((e) => e.result)).toEqual(['network', 'network', 'ok'])
    expect(run.warnings).toEqual(['git fetch failed (attempt 1 of 4); retrying in 0.3s', 'git fetch failed (attempt 2 of 4); retrying in 0.6s'])
    const fetch = run.steps.find((s) => s.name === 'fetch' && s.status === 'ok')
    expect(fetch.seconds).toBeGreaterThanOrEqual(0.9) // the two waits really happened
    const attempts = host.originLog().map((e) => Date.parse(e.at))
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(250)
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(550)
  }, 60_000)

  it('gives up on an unreachable origin with a network error, the running version untouched', async () => {
    const host = newHost()
    await deployMain(host)
    host.setOriginFaults({failFetches: 999, failure: 'network'})
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_RETRY_TRIES: 3, UPSC_RETRY_BASE_SECONDS: 0.05})
    expect(run.code).toBe(1)
    expect(host.originLog().filter((e) => e.result === 'network')).toHaveLength(4) // 1 + 3 retries
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'fetch'})
    expect(run.result.reason).toMatch(/cannot reach origin \(network unreachable\).*Could not resolve host/)
    expect(run.result.advice).toMatch(/outbound access.*running version was not changed/)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(historyFile(host).map((r) => r.outcome)).toEqual(['succeeded', 'failed'])
  }, 60_000)

  it('fails at once, without retrying, on a branch that does not exist', async () => {
    const host = newHost()
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'no-such-branch'})
    expect(run.code).toBe(1)
    expect(run.result.reason).toBe('branch no-such-branch does not exist on origin')
    expect(host.originLog()).toHaveLength(1)
  }, 30_000)

  it('leaves the running version untouched and releases the lock when the build fails', async () => {
    const host = newHost()
    await deployMain(host)
    const builds = host.buildCount()
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'build-fails'})
    expect(run.code).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'build', commit: host.commitOf('build-fails')})
    expect(run.result.advice).toMatch(/running version was not changed/)
    expect(run.stdout).toContain('did not complete successfully') // the build's own output is in the log
    expect(host.buildCount()).toBeGreaterThan(builds)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(fs.existsSync(lockJson(host))).toBe(false)
    expect(historyFile(host).at(-1)).toMatchObject({outcome: 'failed', failedStep: 'build', previousCommit: host.commitOf('main')})
    // The lock is really free: the next deploy gets it.
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})).code).toBe(0)
  }, 60_000)

  it('refuses a second deploy while one holds the lock (exit 6, naming the holder)', async () => {
    const host = newHost()
    await deployMain(host)
    const first = await startSlowDeploy(host, {UPSC_CALLER: 'arn:aws:iam::1:user/first', UPSC_COMMAND_ID: 'cmd-first'})
    const second = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_CALLER: 'arn:aws:iam::1:user/second'})
    expect(second.code).toBe(6)
    expect(second.result).toMatchObject({outcome: 'failed', exitCode: 6, failedStep: 'lock'})
    expect(second.result.reason).toMatch(/deploy lock held by arn:aws:iam::1:user\/first \(pid \d+, since \d{4}-.*Z, branch slow-build, command cmd-first\)/)
    expect(second.result.lock).toMatchObject({
      caller: 'arn:aws:iam::1:user/first',
      branch: 'slow-build',
      commandId: 'cmd-first',
      pid: first.child.pid,
      alive: true,
      kind: 'deploy',
    })
    expect(second.records).toEqual([])
    // At once, no waiting: the first deploy cannot end before its build is released.
    expect(first.child.exitCode).toBeNull()

    const status = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'status'})
    expect(status.result).toMatchObject({held: true, stale: false, holder: {branch: 'slow-build', alive: true}})
    const refused = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'release'})
    expect(refused.code).toBe(6)
    expect(refused.result).toMatchObject({released: false, held: true})

    host.releaseBuilds()
    const done = await first.done
    expect(done.code, done.stdout).toBe(0)
    expect(host.commitOf('slow-build')).toBe(host.headCommit())
    expect((await runScript(host, 'lock', {})).result).toMatchObject({held: false, stale: false, holder: null})
  }, 60_000)

  it('when cancelled mid-build (SIGTERM to its process group): lock released, running version untouched, recorded interrupted', async () => {
    const host = newHost()
    await deployMain(host)
    const cancel = new AbortController()
    const handle = await startSlowDeploy(host, {}, {signal: cancel.signal})
    cancel.abort() // SIGTERM to the process group, as a Run Command cancel
    const run = await handle.done
    expect(run.code).toBe(130)
    expect(run.result).toMatchObject({outcome: 'interrupted', exitCode: 130, failedStep: 'build', reason: 'interrupted by SIGTERM'})
    expect(run.result.advice).toMatch(/running version was not changed/)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(fs.existsSync(lockJson(host))).toBe(false)
    expect(historyFile(host).at(-1)).toMatchObject({outcome: 'interrupted', branch: 'slow-build', failedStep: 'build'})
    expect((await runScript(host, 'lock', {})).result.held).toBe(false)
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})).code).toBe(0)
  }, 60_000)

  it('stops at its own deadline (UPSC_DEADLINE_SECONDS) during a hung build: cleans up, records the attempt, frees the lock', async () => {
    const host = newHost()
    await deployMain(host)
    const hung = host.pushBranch('hung-build', {'app/VERSION': 'hung-build\n', 'app/BUILD_SLEEP': '600\n'})
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'hung-build', UPSC_DEADLINE_SECONDS: 3}, {timeoutMs: 60_000})
    expect(run.code, run.stdout).toBe(1)
    expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'build', reason: 'stopped at its deadline (3s)'})
    expect(run.result.advice).toMatch(/running version was not changed/)
    expect(historyFile(host).at(-1)).toMatchObject({outcome: 'failed', commit: hung, failedStep: 'build', reason: expect.stringMatching(/deadline/)})
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(fs.existsSync(lockJson(host))).toBe(false)
  }, 90_000)

  it("a fetch that stalls ends by git's low-speed limit and is retried, instead of hanging the deploy", async () => {
    const host = newHost()
    await deployMain(host)
    host.setOriginFaults({failFetches: 1, failure: 'stall'})
    // The deploy sets -c http.lowSpeedTime=60; git's environment variable overrides it, to keep the test short.
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', GIT_HTTP_LOW_SPEED_TIME: 1}, {timeoutMs: 60_000})
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toContain('Operation too slow. Less than 1000 bytes/sec transferred the last 1 seconds')
    expect(run.warnings).toContain('git fetch failed (attempt 1 of 4); retrying in 0.1s')
    expect(host.originLog().map((e) => e.result)).toEqual(['ok', 'stall', 'ok'])
  }, 90_000)

  it('stops at once on SIGINT to the script alone, stopping its build, and records it', async () => {
    const host = newHost()
    await deployMain(host)
    const handle = await startSlowDeploy(host)
    expect(building(host)).not.toEqual([])
    process.kill(handle.child.pid, 'SIGINT') // the bash only: the held build must not be waited for
    const run = await handle.done
    expect(run.code).toBe(130)
    await until(() => building(host).length === 0, {what: 'the build to be stopped'})
    expect(run.result).toMatchObject({outcome: 'interrupted', failedStep: 'build', reason: 'interrupted by SIGINT'})
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect((await runScript(host, 'lock', {})).result).toMatchObject({held: false, stale: false})
  }, 60_000)

  it('takes over a stale lock left by a killed deploy (SIGKILL): records it interrupted first, with a notice', async () => {
    const host = newHost()
    await deployMain(host)
    const handle = await startSlowDeploy(host, {UPSC_DEPLOY_ID: 'killed-1'})
    process.kill(-handle.child.pid, 'SIGKILL')
    await handle.done
    expect(JSON.parse(fs.readFileSync(lockJson(host), 'utf8'))).toMatchObject({id: 'killed-1', branch: 'slow-build'})

    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})
    expect(run.code, run.stdout).toBe(0)
    expect(run.warnings.join('\n')).toMatch(/interrupted: .*branch slow-build.* died holding the deploy lock/)
    // The running version was main (the killed deploy never reached `up`), whatever its checkout.
    expect(run.result.previousCommit).toBe(host.commitOf('main'))
    // The killed deploy is in the history, recorded by the deploy that found it, before its own record.
    expect(historyFile(host).map((r) => `${r.id === 'killed-1' ? 'killed-1' : r.branch} ${r.outcome}`)).toEqual([
      'main succeeded',
      'killed-1 interrupted',
      'feature-x succeeded',
    ])
    expect(await servedVersion(host)).toBe('feature-x')
  }, 60_000)

  it('lock release removes a stale lock, and --force releases a live one', async () => {
    const host = newHost()
    await deployMain(host)
    const handle = await startSlowDeploy(host)
    const forced = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'release', UPSC_FORCE: 1})
    expect(forced.code).toBe(0)
    expect(forced.result).toMatchObject({released: true, forced: true, held: true})
    // The lock is free for the next deploy although the first one still runs.
    const second = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_HEALTH_TIMEOUT_SECONDS: 10})
    expect(second.code, second.stdout).toBe(0)
    handle.child.kill('SIGKILL')
    process.kill(-handle.child.pid, 'SIGKILL')
    await handle.done
    const stale = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'release'})
    expect(stale.result.released).toBe(false) // the second deploy removed only its own lock.json
    expect(stale.result.message).toBe('not held: nothing to release')
  }, 60_000)

  it('rejects invalid settings before doing anything (exit 2)', async () => {
    const host = newHost()
    for (const settings of [
      {},
      {UPSC_BRANCH: '-x'},
      {UPSC_BRANCH: 'a..b'},
      {UPSC_BRANCH: 'main', UPSC_REF: 'HEAD~1'},
      {UPSC_BRANCH: 'main', UPSC_TOKEN_PARAMETER: '--debug'},
    ]) {
      const run = await runScript(host, 'deploy', settings)
      expect(run.code).toBe(2)
      expect(run.result).toMatchObject({outcome: 'failed', failedStep: 'validate', exitCode: 2})
    }
    expect(fs.existsSync(lockJson(host))).toBe(false)
    expect(host.originLog()).toEqual([])
    expect(historyFile(host)).toEqual([])
  }, 30_000)
})

describe('as sent by the CLI and as written', () => {
  it('the whole Run Command payload (quoted settings, gzip+base64 bundle) deploys, rolls back and probes', async () => {
    const host = newHost()
    const opts = {payload: true}
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'}, opts)).code).toBe(0)
    const second = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x', UPSC_CALLER: `it's "me" $(x)`}, opts)
    expect(second.code, second.stdout).toBe(0)
    expect(second.result.branch).toBe('feature-x')
    expect(second.records[0].caller).toBe(`it's "me" $(x)`)
    const back = await runScript(host, 'rollback', FAST, opts)
    expect(back.code, back.stdout).toBe(0)
    expect(await servedVersion(host)).toBe('main')
    const probe = await runScript(host, 'probe', FAST, opts)
    expect(probe.result.repo.commit).toBe(host.commitOf('main'))
    expect((await runScript(host, 'history', {}, opts)).result.total).toBe(3)
    expect((await runScript(host, 'lock', {}, opts)).result.held).toBe(false)
  }, 60_000)

  it('the scripts as written (lib.sh + entry, unbundled) behave the same', async () => {
    const host = newHost()
    const opts = {raw: true}
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'}, opts)).code).toBe(0)
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'}, opts)).code).toBe(0)
    expect((await runScript(host, 'rollback', FAST, opts)).code).toBe(0)
    expect(await servedVersion(host)).toBe('main')
    const probe = await runScript(host, 'probe', FAST, opts)
    expect(probe.result.healthChecks[0].ok).toBe(true)
  }, 60_000)
})
