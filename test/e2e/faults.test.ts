/**
 * The fault matrix (docs/FAULTS.md) through the built CLI: each fault on a fresh host of one shared
 * stand-in, what the user sees, the exit code, and what is left on the host.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS helpers
import {historyFile, inconsistencies, servedVersion, until} from '../remote/scripts/helpers.ts'
// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>
type Host = StandIn['hosts'][number]['host']

const GOOD = 'ghp_Faults0Good0Token0123456789abcdefAB'
const WRONG = 'ghp_Faults0Wrong0Token0987654321fedcbaZ'
const NOT_A_TOKEN = 'password-FAULTS0SECRET0VALUE'

describe('the fault matrix through the CLI', {timeout: 180_000}, () => {
  let standIn: StandIn
  let hosts = 0

  beforeAll(async () => {
    standIn = await startStandIn({hosts: []})
    const ssm = new SSMClient({region: standIn.region, endpoint: standIn.motoUrl, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    for (const [name, value] of [
      ['/faults/good', GOOD],
      ['/faults/wrong', WRONG],
      ['/faults/not-a-token', NOT_A_TOKEN],
    ])
      await ssm.send(new PutParameterCommand({Name: name!, Type: 'SecureString', Value: value!}))
    ssm.destroy()
  })
  afterAll(async () => standIn?.stop())

  /** A fresh host of its own (host options: tools/stand-in/sandbox-host.js), and a config naming only it. */
  async function freshHost(spec: Record<string, unknown> = {}, stage: Record<string, unknown> = {}) {
    hosts += 1
    const name = `upscpro-fault${hosts}-docker`
    const entry = await standIn.addHost({name, ...spec})
    const cwd = writeConfig({s: sandboxStage({instances: {tags: {Name: name}}, ...stage})})
    const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 170_000})
    return {name, instanceId: entry.instanceId as string, host: entry.host as Host, cwd, cli}
  }

  /** A host already running main, deployed with upsc. */
  async function runningMain(spec: Record<string, unknown> = {}, stage: Record<string, unknown> = {}) {
    const fresh = await freshHost(spec, stage)
    const first = await fresh.cli(['deploy', '--branch', 'main'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    return fresh
  }

  it('Docker late: the docker step waits for the daemon, then the deploy goes on', async () => {
    const {host, cli} = await freshHost({dockerStopped: true, dockerReadyDelayMs: 3000})
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'main'])
    expect(code, stdout + stderr).toBe(0)
    expect(stdout).toContain('Waiting for the Docker daemon (service inactive)')
    expect(stdout).toContain(`✔ Deploy main @ ${host.commitOf('main').slice(0, 7)}`)
    expect(host.dockerDaemon().running).toBe(true)
    expect(await servedVersion(host)).toBe('main')
  })

  it('origin flaky: the fetch is retried with a warning, then the deploy succeeds', async () => {
    const {host, cli} = await freshHost({failFetches: 2})
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'main'])
    expect(code, stdout + stderr).toBe(0)
    expect(host.originLog().map((e: {result: string}) => e.result)).toEqual(['network', 'network', 'ok'])
    expect(stdout + stderr).toContain('git fetch failed (attempt 1 of 4); retrying in')
    expect(await servedVersion(host)).toBe('main')
  })

  it('origin down: fails at fetch after the retries, exit 1, the running version untouched', async () => {
    const {host, cli} = await runningMain()
    host.setOriginFaults({failFetches: 999, failure: 'network'})
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'feature-x'])
    expect(code, stdout + stderr).toBe(1)
    expect(stdout + stderr).toMatch(/failed at fetch: cannot reach origin \(network unreachable\)/)
    expect(host.originLog().filter((e: {result: string}) => e.result === 'network')).toHaveLength(4)
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'feature-x', outcome: 'failed', failedStep: 'fetch'})
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(inconsistencies(host)).toEqual([])
  })

  /**
   * A host running main with a good token (origin accepts only it), then a deploy of feature-x
   * whose token parameter is `parameter`: the result and the origin's log of that deploy.
   */
  async function deployWithToken(parameter: string) {
    const {host} = await runningMain({requiredToken: GOOD}, {githubTokenParameter: '/faults/good'})
    const dir = writeConfig({s: sandboxStage({instances: {tags: {Name: host.name}}, githubTokenParameter: parameter})})
    const fetches = host.originLog().length
    const run = await runCli(['deploy', '--branch', 'feature-x'], {cwd: dir, env: standIn.env})
    expect(run.code, run.stdout + run.stderr).toBe(1)
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    return {
      ...run,
      output: run.stdout + run.stderr,
      origin: host
        .originLog()
        .slice(fetches)
        .map((e: {result: string}) => e.result),
    }
  }

  it('bad token format: fails at token before any git call, exit 1, the value never shown', async () => {
    const {output, origin} = await deployWithToken('/faults/not-a-token')
    expect(output).toContain('failed at token: the value of SSM parameter /faults/not-a-token is not a GitHub token')
    expect(output).not.toContain(NOT_A_TOKEN)
    expect(origin).toEqual([])
  })

  it('token rejected: fails at fetch without retrying, exit 1, the running version untouched', async () => {
    const {output, origin} = await deployWithToken('/faults/wrong')
    expect(output).toContain('failed at fetch: origin rejected the GitHub token from SSM parameter /faults/wrong')
    expect(output).not.toContain(WRONG)
    expect(origin).toEqual(['auth'])
  })

  it('agent offline: the deploy is refused before anything is sent, exit 4', async () => {
    const {name, instanceId, host, cli} = await freshHost()
    standIn.sandbox.updateInstance(instanceId, {pingStatus: 'ConnectionLost'})
    const sent = standIn.sandbox.commands().length
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'main'])
    expect(code, stdout + stderr).toBe(4)
    expect(stderr).toContain("Cannot run on the stage's instances:")
    expect(stderr).toContain(name)
    expect(stderr).toContain('ConnectionLost')
    expect(standIn.sandbox.commands().length).toBe(sent)
    expect(host.buildCount()).toBe(0)
  })

  it('instance stopped: the deploy is refused before anything is sent, exit 4', async () => {
    const {name, host, cli} = await freshHost({state: 'stopped'})
    const sent = standIn.sandbox.commands().length
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'main'])
    expect(code, stdout + stderr).toBe(4)
    expect(stderr).toContain("Cannot run on the stage's instances:")
    expect(stderr).toContain(name)
    expect(stderr).toMatch(/stopped/)
    expect(standIn.sandbox.commands().length).toBe(sent)
    expect(host.buildCount()).toBe(0)
  })

  it('concurrent deploy: the second is refused naming the holder, exit 6, and the first goes on to its end', async () => {
    const {host, cli} = await runningMain()
    host.pushBranch('held-build', {'app/VERSION': 'held-build\n', 'app/BUILD_HOLD': ''})
    const builds = host.builds().length
    const sent = await cli(['deploy', '--branch', 'held-build', '--detach', '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    const {commandId} = JSON.parse(sent.stdout)
    await until(() => existsSync(join(host.upscHome, 'lock.json')) && host.builds().length > builds, {what: 'the held build', timeoutMs: 60_000})

    const second = await cli(['deploy', '--branch', 'feature-x'])
    expect(second.code, second.stdout + second.stderr).toBe(6)
    expect(second.stdout + second.stderr).toMatch(
      /Another deploy holds the lock: deploy lock held by arn:aws:\S+ \(pid \d+, since \S+, branch held-build, command [0-9a-f-]{36}\)/,
    )
    expect(second.stdout + second.stderr).toContain(commandId)
    expect(second.stdout).not.toMatch(/Terminated/) // no stray job notice from the deploy's watchdog
    expect(JSON.parse(readFileSync(join(host.upscHome, 'lock.json'), 'utf8'))).toMatchObject({branch: 'held-build', commandId})

    host.releaseBuilds()
    const attached = await cli(['deploy', '--attach', commandId, '--json'])
    expect(attached.code, attached.stderr).toBe(0)
    expect(await servedVersion(host)).toBe('held-build')
    expect(historyFile(host).map((r: {branch: string; outcome: string}) => `${r.branch}:${r.outcome}`)).toEqual(['main:succeeded', 'held-build:succeeded'])
  })

  it('disk full during the build: fails at build saying to free space, exit 1, the running version untouched', async () => {
    const {host, cli} = await runningMain()
    await host.setDockerState({diskFull: true})
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'feature-x'])
    expect(code, stdout + stderr).toBe(1)
    expect(stdout + stderr).toMatch(/failed at build: build of [0-9a-f]{12} failed/)
    expect(stdout).toMatch(/failed to solve: failed to compute cache key: .*: no space left on device/) // Docker's own words
    expect(stdout).not.toMatch(/Terminated/)
    expect(stdout).toContain(
      'Next:  see the build output above; on "no space left on device": free disk space (upsc ssh; docker image prune -a), then deploy again; the running version was not changed',
    )
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'feature-x', outcome: 'failed', failedStep: 'build'})
    expect(host.headCommit()).toBe(host.commitOf('main'))
    expect(await servedVersion(host)).toBe('main')
    expect(inconsistencies(host)).toEqual([])
  })
})
