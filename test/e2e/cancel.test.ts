import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS helpers
import {historyFile, inconsistencies, servedVersion, until} from '../remote/scripts/helpers.ts'
// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe('cancel, timeout and a killed deploy against the stand-in (CancelCommand and the timeout are SIGKILL of the process group)', () => {
  let standIn: StandIn

  beforeAll(async () => {
    standIn = await startStandIn({hosts: ['stage2', 'stage3', 'stage4', 'stage5'].map((s) => ({name: `upscpro-${s}-docker`}))})
  })
  afterAll(async () => standIn?.stop())

  /** A host running main (deployed with upsc), then a deploy of slow-build sent with --detach and building. */
  async function buildingDeploy(hostName: string, stage: Record<string, unknown>) {
    const cwd = writeConfig({s: sandboxStage({instances: {tags: {Name: hostName}}, ...stage})})
    const host = standIn.host(hostName).host
    const first = await runCli(['deploy', '--branch', 'main'], {cwd, env: standIn.env})
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const builds = host.builds().length
    const sent = await runCli(['deploy', '--branch', 'slow-build', '--detach'], {cwd, env: standIn.env})
    expect(sent.code, sent.stderr).toBe(0)
    const commandId = /Run Command ([0-9a-f-]{36})/.exec(sent.stdout)![1]
    const lockJson = join(host.upscHome, 'lock.json')
    await until(() => existsSync(lockJson) && host.builds().length > builds, {what: 'the slow build', timeoutMs: 60_000})
    return {cwd, host, commandId, pid: JSON.parse(readFileSync(lockJson, 'utf8')).pid as number}
  }

  it('stops the deploy gracefully: it puts back what runs, records cancelled, and the CLI names branch and commit', async () => {
    const {cwd, host, commandId} = await buildingDeploy('upscpro-stage2-docker', {})
    const {code, stdout, stderr} = await runCli(['deploy', '--cancel', commandId], {cwd, env: standIn.env})
    expect(code, stdout + stderr).toBe(0)
    expect(stdout).toMatch(
      new RegExp(
        `✔ Cancelled deploy d-\\S+ of slow-build @ ${host.commitOf('slow-build').slice(0, 7)} on upscpro-stage2-docker \\(i-[0-9a-f]+\\): it stopped gracefully`,
      ),
    )
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'slow-build', outcome: 'cancelled', reason: 'cancelled (upsc deploy --cancel)'})
    expect(inconsistencies(host)).toEqual([])
    expect(await servedVersion(host)).toBe('main')
    const invocation = standIn.sandbox.commands().find((c: {commandId: string}) => c.commandId === commandId)
    expect(invocation.invocations[0].status).toBe('Failed') // it exited by itself (130), not killed
  }, 180_000)

  it('falls back to CancelCommand when the deploy does not stop within timeouts.cancelSeconds, then repairs the host and says so', async () => {
    const {cwd, host, commandId, pid} = await buildingDeploy('upscpro-stage3-docker', {timeouts: {healthSeconds: 10, dockerReadySeconds: 20, cancelSeconds: 1}})
    process.kill(pid, 'SIGSTOP') // a wedged deploy: the graceful signal waits
    const {code, stdout, stderr} = await runCli(['deploy', '--cancel', commandId], {cwd, env: standIn.env})
    expect(code, stdout + stderr).toBe(0)
    expect(stdout).toMatch(
      /✔ Cancelled deploy d-\S+ of slow-build @ \S+ on upscpro-stage3-docker \(i-[0-9a-f]+\) by force \(CancelCommand killed it\): d-\S+ had been killed \(CancelCommand\): recorded as cancelled/,
    )
    expect(historyFile(host).at(-1)).toMatchObject({
      branch: 'slow-build',
      outcome: 'cancelled',
      reason: 'cancelled (upsc deploy --cancel): killed by CancelCommand',
    })
    expect(inconsistencies(host)).toEqual([])
    expect(await servedVersion(host)).toBe('main')
    const invocation = standIn.sandbox.commands().find((c: {commandId: string}) => c.commandId === commandId)
    expect(invocation.invocations[0].status).toBe('Cancelled')
  }, 180_000)

  it('a deploy that would outrun the Run Command timeout stops at its own deadline first: exit 1, recorded, host as it was', async () => {
    const name = 'upscpro-stage4-docker'
    const cwd = writeConfig({s: sandboxStage({instances: {tags: {Name: name}}, timeouts: {healthSeconds: 10, dockerReadySeconds: 20, commandSeconds: 30}})})
    const host = standIn.host(name).host
    expect((await runCli(['deploy', '--branch', 'main'], {cwd, env: standIn.env})).code).toBe(0)
    host.pushBranch('hung-build', {'app/VERSION': 'hung-build\n', 'app/BUILD_SLEEP': '600\n'})
    const {code, stdout} = await runCli(['deploy', '--branch', 'hung-build'], {cwd, env: standIn.env})
    expect(code).toBe(1)
    expect(stdout).toMatch(/✖ Deploy of hung-build @ \S+ failed at build: stopped at its deadline \(15s\)/)
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'hung-build', outcome: 'failed', failedStep: 'build', reason: 'stopped at its deadline (15s)'})
    expect(inconsistencies(host)).toEqual([])
    expect(await servedVersion(host)).toBe('main')
  }, 180_000)

  it('a deploy killed outright (power loss, reboot) is found by the next upsc status: recorded interrupted, host put back', async () => {
    const {cwd, host, pid} = await buildingDeploy('upscpro-stage5-docker', {})
    const pgid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2])
    process.kill(-pgid, 'SIGKILL')
    await until(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), {what: 'the deploy to die'})
    expect(host.headCommit()).toBe(host.commitOf('slow-build'))
    const {code, stdout} = await runCli(['status'], {cwd, env: standIn.env})
    expect(code, stdout).toBe(0)
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'slow-build', outcome: 'interrupted', reason: 'died without finishing (killed, or a reboot)'})
    expect(inconsistencies(host)).toEqual([])
    const lock = await runCli(['lock', 'status'], {cwd, env: standIn.env})
    expect(lock.stdout).toMatch(/not held/)
  }, 180_000)
})
