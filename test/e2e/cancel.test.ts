import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS helpers
import {historyFile, inconsistencies, servedVersion, until} from '../remote/helpers.js'
// @ts-expect-error plain JS rig
import {startStandIn} from '../rig/stand-in.js'
import {runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe('upsc deploy --cancel against the stand-in (CancelCommand is SIGKILL of the process group)', () => {
  let standIn: StandIn

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}, {name: 'upscpro-stage3-docker'}]})
  })
  afterAll(async () => standIn?.stop())

  /** A host running main (deployed with upsc), then a deploy of slow-build sent with --detach and building. */
  async function buildingDeploy(hostName: string, stage: Record<string, unknown>) {
    const cwd = writeConfig({s: sandboxStage({instances: {tags: {Name: hostName}}, ...stage})})
    const host = standIn.host(hostName).host
    const first = await runCli(['deploy', '--branch', 'main'], {cwd, env: standIn.env})
    expect(first.code, first.stdout + first.stderr).toBe(0)
    const sent = await runCli(['deploy', '--branch', 'slow-build', '--detach'], {cwd, env: standIn.env})
    expect(sent.code, sent.stderr).toBe(0)
    const commandId = /Run Command ([0-9a-f-]{36})/.exec(sent.stdout)![1]
    const lockJson = join(host.upscHome, 'lock.json')
    await until(() => existsSync(lockJson) && host.builds().some((b: {result: string; at: string}) => b.result === 'started') && host.builds().length > 2, {what: 'the slow build', timeoutMs: 60_000})
    return {cwd, host, commandId, pid: JSON.parse(readFileSync(lockJson, 'utf8')).pid as number}
  }

  it('stops the deploy gracefully: it puts back what runs, records cancelled, and the CLI names branch and commit', async () => {
    const {cwd, host, commandId} = await buildingDeploy('upscpro-stage2-docker', {})
    const {code, stdout, stderr} = await runCli(['deploy', '--cancel', commandId], {cwd, env: standIn.env})
    expect(code, stdout + stderr).toBe(0)
    expect(stdout).toMatch(new RegExp(`✔ Cancelled deploy d-\\S+ of slow-build @ ${host.commitOf('slow-build').slice(0, 7)} on upscpro-stage2-docker \\(i-[0-9a-f]+\\): it stopped gracefully`))
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
    expect(stdout).toMatch(/✔ Cancelled deploy d-\S+ of slow-build @ \S+ on upscpro-stage3-docker \(i-[0-9a-f]+\) by force \(CancelCommand killed it\): d-\S+ had been killed \(CancelCommand\): recorded as cancelled/)
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'slow-build', outcome: 'cancelled', reason: 'cancelled (upsc deploy --cancel): killed by CancelCommand'})
    expect(inconsistencies(host)).toEqual([])
    expect(await servedVersion(host)).toBe('main')
    const invocation = standIn.sandbox.commands().find((c: {commandId: string}) => c.commandId === commandId)
    expect(invocation.invocations[0].status).toBe('Cancelled')
  }, 180_000)
})
