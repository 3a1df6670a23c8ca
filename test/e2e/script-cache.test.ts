import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cachedScripts, decodePayload, INLINE_BUDGET_BYTES, scriptBundle, sha256} from '../../src/remote/payload.js'
// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>
interface SentCommand {
  commandId: string
  comment: string
  script: string
  invocations: {instanceId: string; status: string; responseCode: number}[]
}

// The deploy bundle is over the inline budget: deploys go through the host's script cache. No
// threshold is lowered for this test: it is the real deploy bundle.
describe('deploy through the host script cache', () => {
  let standIn: StandIn
  let cwd: string
  const sha = sha256(scriptBundle('deploy'))
  const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 120_000})
  const sent = (): SentCommand[] => standIn.sandbox.commands()
  const since = (before: number) => sent().slice(before)

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    cwd = writeConfig()
  })
  afterAll(async () => standIn?.stop())

  it('first deploy on a fresh host: the loader reports the bundle missing, upsc installs it in chunks and sends the deploy again; the next deploy uses the cache', async () => {
    const [{instanceId, host}] = standIn.hosts
    const cacheFile = join(host.upscHome, 'scripts', `${sha}.sh`)
    expect(existsSync(cacheFile)).toBe(false)

    const first = await cli(['deploy', '--branch', 'main'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.stdout).toContain(`✔ Deploy main @ ${host.commitOf('main').slice(0, 7)}`)
    expect(first.stdout + first.stderr).not.toContain('need-scripts')
    const round1 = sent()
    const installs = round1.filter((c) => c.comment.startsWith('upsc install host scripts'))
    expect(installs.length).toBeGreaterThan(1)
    expect(installs.map((c) => c.comment).sort()).toEqual(installs.map((_, i) => `upsc install host scripts ${sha.slice(0, 12)} ${i + 1}/${installs.length}`))
    expect(round1.map((c) => c.comment)).toEqual(['upsc deploy stage2 main', ...installs.map((c) => c.comment), 'upsc deploy stage2 main'])
    // The first deploy command ran the loader only (exit 0: MaxErrors does not count it); the same command was sent again.
    expect(round1[0]!.invocations).toEqual([expect.objectContaining({instanceId, status: 'Success', responseCode: 0})])
    expect(round1.at(-1)!.script).toBe(round1[0]!.script)
    expect(cachedScripts(round1[0]!.script.split('\n'))?.sha).toBe(sha)
    for (const c of installs) expect(c.invocations).toEqual([expect.objectContaining({instanceId, status: 'Success'})])
    expect(existsSync(cacheFile)).toBe(true)

    const second = await cli(['deploy', '--branch', 'feature-x', '--json'])
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(second.stdout).hosts[0]).toMatchObject({outcome: 'succeeded', result: {branch: 'feature-x', commit: host.commitOf('feature-x')}})
    const round2 = since(round1.length)
    expect(round2.map((c) => c.comment)).toEqual(['upsc deploy stage2 feature-x'])
    expect(decodePayload(round2[0]!.script.split('\n'))).toContain(`export UPSC_SCRIPTS_SHA='${sha}'`)

    // Every command sent kept its headroom under the 16 KB parameter limit.
    for (const c of sent()) expect(Buffer.byteLength(c.script), c.comment).toBeLessThanOrEqual(INLINE_BUDGET_BYTES)
  }, 240_000)
})

describe('deploy --detach through the host script cache', () => {
  let standIn: StandIn
  let cwd: string

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    cwd = writeConfig()
  })
  afterAll(async () => standIn?.stop())

  it('on a fresh host still installs the scripts and sends the deploy before returning, and the deploy runs to its end', async () => {
    const [{instanceId, host}] = standIn.hosts
    const {code, stdout, stderr} = await runCli(['deploy', '--branch', 'main', '--detach', '--json'], {cwd, env: standIn.env, timeoutMs: 120_000})
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.detached).toBe(true)
    const commands: SentCommand[] = standIn.sandbox.commands()
    expect(commands.filter((c) => c.comment === 'upsc deploy stage2 main')).toHaveLength(2)
    // The command id returned is the deploy that runs the cached scripts.
    expect(commands.at(-1)!.commandId).toBe(result.commandId)
    await standIn.sandbox.waitForCommand(result.commandId)
    expect(standIn.sandbox.commands().at(-1)!.invocations).toEqual([expect.objectContaining({instanceId, status: 'Success', responseCode: 0})])
    const history = await runCli(['history', '--json'], {cwd, env: standIn.env})
    expect(JSON.parse(history.stdout).records[0]).toMatchObject({kind: 'deploy', branch: 'main', outcome: 'succeeded', commit: host.commitOf('main')})
  }, 240_000)
})

describe('throttling while the host script cache is installed', () => {
  let standIn: StandIn
  let cwd: string
  const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 180_000})

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    cwd = writeConfig()
  })
  afterAll(async () => standIn?.stop())

  it("an install's SendCommand throttled past the retries: exit 3 saying nothing ran there; the next deploy waits out throttled polls, installs and runs", async () => {
    const [{instanceId, host}] = standIn.hosts
    // The first SendCommand (the deploy, which finds the scripts missing) goes through; every install chunk's is throttled.
    standIn.sandbox.injectFault({action: 'SendCommand', error: 'ThrottlingException', count: 1000, after: 1})
    const throttled = await cli(['deploy', '--branch', 'main'])
    standIn.sandbox.clearFaults()
    expect(throttled.code, throttled.stdout + throttled.stderr).toBe(3)
    expect(throttled.stderr).toContain(
      `Could not install upsc's host scripts on ${instanceId}: AWS kept throttling the request (ssm:SendCommand) after retries. The command did not run there: it found the scripts missing and changed nothing.`,
    )
    expect(throttled.stderr).toMatch(/Next: +Wait a minute and try again/)
    expect(standIn.sandbox.commands().map((c: SentCommand) => c.comment)).toEqual(['upsc deploy stage2 main'])
    // Nothing ran: no record, no lock, no build.
    expect(existsSync(join(host.upscHome, 'deployments.jsonl'))).toBe(false)
    expect(existsSync(join(host.upscHome, 'lock.json'))).toBe(false)
    expect(host.buildCount()).toBe(0)

    // The next deploy's first poll (of the command that finds the scripts missing, alone: one poll at
    // a time) is throttled on all four of the SDK's attempts: waited out, then the install and the run.
    const before = standIn.sandbox.commands().length
    standIn.sandbox.injectFault({action: 'GetCommandInvocation', error: 'ThrottlingException', count: 4})
    const again = await cli(['deploy', '--branch', 'main'])
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(standIn.sandbox.pendingFaults()).toEqual([])
    expect(again.stderr).toContain('AWS kept throttling the request (ssm:GetCommandInvocation) after retries. Still following; next try in 1 s.')
    const comments = standIn.sandbox
      .commands()
      .slice(before)
      .map((c: SentCommand) => c.comment)
    expect(comments.filter((c: string) => c.startsWith('upsc install host scripts')).length).toBeGreaterThan(1)
    expect(again.stdout).toContain(`✔ Deploy main @ ${host.commitOf('main').slice(0, 7)}`)
  }, 240_000)
})
