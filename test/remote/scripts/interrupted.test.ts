// A deploy or rollback that dies holding the deploy lock (SIGKILL: Run Command's cancel and
// timeout, a reboot, a power loss) runs no trap. The next thing that looks finds its lock.json,
// records it as interrupted, and puts the checkout and image tags back on what runs.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, currentJson, historyFile, inconsistencies, lockHeld, newHost, servedVersion, until} from './helpers.ts'
import {runScript, startScript} from './run-script.ts'

const lockJson = (host) => path.join(host.upscHome, 'lock.json')

/** Another process holding the host's deploy lock (flock) for SECONDS; resolves once it holds it, with {done}: its run. */
async function holdLock(host, seconds, what) {
  const file = path.join(host.upscHome, 'deploy.lock')
  const holder = host.run(`exec 9>>'${file}' && flock -n 9 && sleep ${seconds}`)
  await until(() => lockHeld(host), {what})
  return {done: holder}
}

/** Deploy main (the running version), then start a deploy of BRANCH and SIGKILL its process group at the first line matching AT. */
async function killedDeploy(host, branch, at, settings = {}) {
  expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
  const handle = startScript(host, 'deploy', {...FAST, UPSC_BRANCH: branch, UPSC_DEPLOY_ID: 'killed-1', UPSC_COMMAND_ID: 'cmd-killed', ...settings})
  await until(() => at.test(handle.output()), {what: `${at}`})
  process.kill(-handle.child.pid, 'SIGKILL')
  await handle.done
  expect(fs.existsSync(lockJson(host))).toBe(true)
  return handle
}

describe('an interrupted deploy is found and repaired', () => {
  it('by lock status: recorded interrupted, checkout and image tags back on what runs, lock free', async () => {
    const host = newHost()
    await killedDeploy(host, 'slow-build', /::upsc step build start/)
    expect(host.headCommit()).toBe(host.commitOf('slow-build')) // half-deployed: the checkout moved
    expect(inconsistencies(host)).not.toEqual([])

    const status = await runScript(host, 'lock', {})
    expect(status.code, status.stdout).toBe(0)
    expect(status.result).toMatchObject({held: false, stale: false, holder: null})
    expect(status.result.message).toMatch(/killed-1 had died holding it: recorded as interrupted/)
    expect(status.warnings.join('\n')).toMatch(/interrupted: .*branch slow-build.* died holding the deploy lock/)
    expect(inconsistencies(host)).toEqual([])
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    const records = historyFile(host)
    expect(records.map((r) => r.outcome)).toEqual(['succeeded', 'interrupted'])
    expect(records[1]).toMatchObject({
      id: 'killed-1',
      kind: 'deploy',
      branch: 'slow-build',
      commit: null,
      previousCommit: host.commitOf('main'),
      outcome: 'interrupted',
      reason: 'died without finishing (killed, or a reboot)',
    })
    // Found once: looking again changes nothing.
    expect((await runScript(host, 'lock', {})).result.message).toBe('not held')
    expect(historyFile(host)).toHaveLength(2)
  }, 60_000)

  it('by the probe (upsc status), before it reports', async () => {
    const host = newHost()
    await killedDeploy(host, 'slow-build', /::upsc step build start/)
    const probe = await runScript(host, 'probe', FAST)
    expect(probe.warnings.join('\n')).toMatch(/interrupted: .*killed-1|branch slow-build/)
    expect(probe.result.repo.commit).toBe(host.commitOf('main'))
    expect(probe.result.lastDeployment).toMatchObject({id: 'killed-1', outcome: 'interrupted'})
    expect(inconsistencies(host)).toEqual([])
  }, 60_000)

  it('after the stack was being replaced: the unverified version is undone, the newest succeeded one started again', async () => {
    const host = newHost()
    await killedDeploy(host, 'feature-x', /::upsc step health start/)
    expect(currentJson(host)).toMatchObject({id: 'killed-1', commit: host.commitOf('feature-x')})
    await host.run('docker compose -p upscapp-be stop')
    const status = await runScript(host, 'lock', {})
    expect(status.code, status.stdout).toBe(0)
    expect(currentJson(host)).toMatchObject({commit: host.commitOf('main'), branch: 'main'})
    expect(inconsistencies(host)).toEqual([])
    expect(await servedVersion(host)).toBe('main')
    expect(historyFile(host).at(-1)).toMatchObject({
      id: 'killed-1',
      outcome: 'interrupted',
      commit: host.commitOf('feature-x'),
      previousCommit: host.commitOf('main'),
    })
  }, 60_000)

  it('while a child of the killed run still holds the lock for a moment: waits for it to go, then repairs', async () => {
    const host = newHost()
    await killedDeploy(host, 'slow-build', /::upsc step build start/)
    // The kernel frees a flock when the last process holding it closes it: a killed run's subshell
    // that is still exiting holds it a moment longer than the run's own pid, which is already gone.
    const child = await holdLock(host, 1, 'the child to hold the lock')
    const status = await runScript(host, 'lock', {})
    expect((await child.done).code).toBe(0)
    expect(status.code, status.stdout).toBe(0)
    expect(status.result).toMatchObject({held: false, stale: false, holder: null})
    expect(status.result.message).toMatch(/killed-1 had died holding it: recorded as interrupted/)
    expect(historyFile(host).map((r) => r.outcome)).toEqual(['succeeded', 'interrupted'])
    expect(inconsistencies(host)).toEqual([])
  }, 60_000)

  it('a run killed after writing its own record is not recorded twice', async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main', UPSC_DEPLOY_ID: 'd-1'})).code).toBe(0)
    // As if killed between its last record and releasing the lock: a lock.json naming a dead pid.
    fs.writeFileSync(
      lockJson(host),
      '{"kind":"deploy","id":"d-1","caller":null,"pid":999999999,"since":"2026-12-01T00:00:00Z","branch":"main","commandId":null}\n',
    )
    const status = await runScript(host, 'lock', {})
    expect(status.result.held).toBe(false)
    expect(historyFile(host).map((r) => r.outcome)).toEqual(['succeeded'])
    expect(inconsistencies(host)).toEqual([])
  }, 60_000)
})

describe('lock status and a deploy starting at the same moment', () => {
  it('lock status does not take the lock when there is nothing to repair', async () => {
    const host = newHost()
    // A flock that logs every call, first on PATH of the lock status runs only: they must not call it.
    const bin = path.join(host.root, 'spy-bin')
    fs.mkdirSync(bin)
    const log = path.join(host.root, 'flock.calls')
    fs.writeFileSync(path.join(bin, 'flock'), `#!/bin/bash\necho "$*" >>'${log}'\nexec /usr/bin/flock "$@"\n`, {mode: 0o755})
    const spyHost = {...host, env: {...host.env, PATH: `${bin}:${host.env.PATH}`}, root: host.root}
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    const handle = startScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'slow-build'})
    await until(() => handle.output().includes('::upsc step build start'), {what: 'the build'})
    const held = await runScript(spyHost, 'lock', {})
    expect(held.result).toMatchObject({held: true, holder: {branch: 'slow-build', alive: true}})
    expect((await handle.done).code).toBe(0)
    fs.rmSync(log, {force: true}) // trying a lock a live deploy holds cannot hurt it; taking a free one could
    const free = await runScript(spyHost, 'lock', {})
    expect(free.result).toMatchObject({held: false, stale: false})
    expect(fs.existsSync(path.join(host.upscHome, 'deploy.lock'))).toBe(true)
    expect(fs.existsSync(log)).toBe(false)
  }, 60_000)

  it('a deploy that starts while a looker repairs an interrupted run waits for it instead of failing "lock held"', async () => {
    const host = newHost()
    await killedDeploy(host, 'slow-build', /::upsc step build start/)
    // The looker: holds the flock (as repair_if_interrupted does) for a moment.
    const looker = await holdLock(host, 2, 'the looker to hold the lock')
    const run = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})
    expect((await looker.done).code).toBe(0)
    expect(run.code, run.stdout).toBe(0)
    expect(historyFile(host).map((r) => r.outcome)).toEqual(['succeeded', 'interrupted', 'succeeded'])
    expect(inconsistencies(host)).toEqual([])
  }, 60_000)
})

describe('lock.sh cancel (upsc deploy --cancel)', () => {
  /** Deploy main, then start a slow deploy of run command cmd-1 and wait until it builds. */
  async function building(host) {
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    const handle = startScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'slow-build', UPSC_DEPLOY_ID: 'd-cancel', UPSC_COMMAND_ID: 'cmd-1'})
    await until(() => handle.output().includes('::upsc step build start'), {what: 'the build'})
    return handle
  }

  it('signals the deploy of that command, which cleans up and records cancelled', async () => {
    const host = newHost()
    const handle = await building(host)
    const cancel = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'cancel', UPSC_CANCEL_COMMAND: 'cmd-1'})
    expect(cancel.code, cancel.stdout).toBe(0)
    expect(cancel.result).toMatchObject({action: 'cancel', released: true, holder: {id: 'd-cancel', branch: 'slow-build', commandId: 'cmd-1'}})
    const run = await handle.done
    expect(run.code).toBe(130)
    expect(run.result).toMatchObject({outcome: 'cancelled', failedStep: 'build', reason: 'cancelled (upsc deploy --cancel)'})
    expect(historyFile(host).at(-1)).toMatchObject({id: 'd-cancel', outcome: 'cancelled', branch: 'slow-build'})
    expect(inconsistencies(host)).toEqual([])
    expect(await servedVersion(host)).toBe('main')
  }, 60_000)

  it('leaves alone a deploy of another command', async () => {
    const host = newHost()
    const handle = await building(host)
    const cancel = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'cancel', UPSC_CANCEL_COMMAND: 'cmd-other'})
    expect(cancel.code).toBe(0)
    expect(cancel.result).toMatchObject({released: false, message: 'no run of command cmd-other holds the deploy lock on this host: nothing to cancel'})
    expect((await handle.done).code).toBe(0)
  }, 60_000)

  it('a deploy that does not stop in time: exit 1; once killed (CancelCommand), cancel again repairs it as cancelled', async () => {
    const host = newHost()
    const handle = await building(host)
    process.kill(handle.child.pid, 'SIGSTOP') // a wedged deploy: the signal waits
    const first = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'cancel', UPSC_CANCEL_COMMAND: 'cmd-1', UPSC_CANCEL_WAIT_SECONDS: 1})
    expect(first.code).toBe(1)
    expect(first.result).toMatchObject({released: false, held: true, message: expect.stringMatching(/did not stop within 1s$/)})
    process.kill(-handle.child.pid, 'SIGKILL') // what CancelCommand does
    await handle.done
    const second = await runScript(host, 'lock', {UPSC_LOCK_ACTION: 'cancel', UPSC_CANCEL_COMMAND: 'cmd-1'})
    expect(second.code, second.stdout).toBe(0)
    expect(second.result).toMatchObject({released: true, message: expect.stringMatching(/^d-cancel had been killed \(CancelCommand\): recorded as cancelled/)})
    expect(second.records).toEqual([
      expect.objectContaining({
        id: 'd-cancel',
        outcome: 'cancelled',
        branch: 'slow-build',
        reason: 'cancelled (upsc deploy --cancel): killed by CancelCommand',
      }),
    ])
    expect(inconsistencies(host)).toEqual([])
  }, 60_000)
})
