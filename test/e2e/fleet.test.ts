import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe("a rolling deploy over four hosts on SSM's own fan-out", () => {
  let standIn: StandIn
  let cwd: string
  let hosts: StandIn['hosts']
  const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 180_000})

  beforeAll(async () => {
    const name = 'upscpro-fleet-docker'
    standIn = await startStandIn({hosts: [{name}, {name}, {name}, {name}]})
    // SSM runs the invocations in the order of the instance ids upsc sends: sorted by id.
    hosts = [...standIn.hosts].sort((a, b) => a.instanceId.localeCompare(b.instanceId))
    // The same branch "release" on every host's origin, except that the second host's build is
    // held until the test releases it and the third host's version fails its health check.
    hosts[0].host.pushBranch('release', {'app/VERSION': 'release\n'})
    hosts[1].host.pushBranch('release', {'app/VERSION': 'release\n', 'app/BUILD_HOLD': 'held\n'})
    hosts[2].host.pushBranch('release', {'app/VERSION': 'release\n', 'app/health': '500\n'})
    hosts[3].host.pushBranch('release', {'app/VERSION': 'release\n'})
    cwd = writeConfig({fleet: sandboxStage({instances: {tags: {Name: name}}, timeouts: {healthSeconds: 3, dockerReadySeconds: 20}})})
  })
  afterAll(async () => standIn?.stop())

  let mainRun: ReturnType<typeof cli> | undefined
  /** main deployed to all four hosts, once, by whichever test needs it first: any test also runs alone. */
  const mainEverywhere = () => (mainRun ??= cli(['deploy', '--branch', 'main', '--max-concurrency', '4', '--json']))

  it('deploys main to all four hosts at once', async () => {
    const {code, stdout, stderr} = await mainEverywhere()
    expect(code, stdout + stderr).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.hosts.map((h: {outcome: string}) => h.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
  }, 180_000)

  it('with concurrency 2 and max-errors 0: the third host fails its gate and rolls back, the fourth is never started', async () => {
    expect((await mainEverywhere()).code).toBe(0)
    const running = cli(['deploy', '--branch', 'release', '--max-concurrency', '2', '--max-errors', '0'])
    // The second host builds until the fourth has been cancelled, however slow the third host is to fail.
    const cancelled = () =>
      standIn.sandbox
        .commands()
        .some((c: {invocations: {instanceId: string; status: string}[]}) =>
          c.invocations.some((i) => i.instanceId === hosts[3].instanceId && i.status === 'Cancelled'),
        )
    await vi.waitUntil(cancelled, {timeout: 150_000, interval: 200})
    hosts[1].host.releaseBuilds()
    const {code, stdout, stderr} = await running
    expect(code, stdout + stderr).toBe(1)
    // the final table, one row per host
    const row = (i: number) => stdout.split('\n').find((l) => l.startsWith(`upscpro-fleet-docker (${hosts[i].instanceId})  `)) ?? ''
    expect(row(0)).toMatch(/succeeded/)
    expect(row(1)).toMatch(/succeeded/)
    expect(row(2)).toMatch(/rolled-back/)
    expect(row(3)).toMatch(/not-started/)
    expect(stdout).toContain('not started: the rolling run stopped after too many failed hosts')

    const status = JSON.parse((await cli(['status', '--json'])).stdout)
    const commitOn = (i: number) => status.instances.find((s: {instanceId: string}) => s.instanceId === hosts[i].instanceId).probe.repo.commit
    expect(commitOn(0)).toBe(hosts[0].host.commitOf('release'))
    expect(commitOn(1)).toBe(hosts[1].host.commitOf('release'))
    expect(commitOn(2)).toBe(hosts[2].host.commitOf('main'))
    expect(commitOn(3)).toBe(hosts[3].host.commitOf('main'))
    expect(status.summary).toMatchObject({instances: 4, healthy: 4, failing: 0})
  }, 300_000)

  it('status shows one row per host, a failing check named in its row; --details every check', async () => {
    hosts[1].host.killService('worker')
    const {code, stdout} = await cli(['status'])
    expect(code).toBe(1)
    const lines = stdout.split('\n')
    expect(lines[1]).toMatch(/^Host\s+Verdict\s+Commit\s+Services\s+Health checks\s+Last deploy\s+Disk\s+Failing$/)
    const row = (i: number) => lines.find((l) => l.startsWith(`upscpro-fleet-docker (${hosts[i].instanceId})  `)) ?? ''
    expect(row(0)).toMatch(new RegExp(`(✔ ok|! warn)\\s+${hosts[0].host.commitOf('release').slice(0, 7)}\\s+2/2\\s+1/1\\s+succeeded \\S+Z\\s+.*% free$`))
    expect(row(1)).toMatch(/✖ fail\s+\w{7}\s+1\/2\s+1\/1\s+.*Service worker$/)
    expect(lines.filter((l) => l.startsWith('upscpro-fleet-docker ('))).toHaveLength(4)
    const details = await cli(['status', '--details'])
    expect(details.stdout).toMatch(/Service worker\s+exited/)
    expect(details.stdout.split('\n').length).toBeGreaterThan(4 * 8)
    const one = await cli(['status', '-i', hosts[0].instanceId])
    expect(one.stdout).toMatch(/Health api/)
    await cli(['app', 'start', '--service', 'worker', '-i', hosts[1].instanceId])
  })

  it('merges the history of every host, newest first, labelled by instance', async () => {
    await mainEverywhere()
    const {code, stdout} = await cli(['history', '--json'])
    expect(code).toBe(0)
    const {records, hosts: perHost} = JSON.parse(stdout)
    expect(perHost).toHaveLength(4)
    expect(new Set(records.map((r: {instanceId: string}) => r.instanceId)).size).toBe(4)
    const starts = records.map((r: {startedAt: string}) => r.startedAt)
    expect([...starts].sort().reverse()).toEqual(starts)
  }, 180_000)
})
