/**
 * What the CLI does when AWS misbehaves in the middle of following a deploy (the stand-in injects
 * the faults), when a flag is bad (nothing is sent), and with more than 50 instances.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, writeConfig} from './harness.js'
import {deployResult} from '../fixtures/deploy-result.ts'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe('following a deploy through AWS faults', () => {
  let standIn: StandIn
  let cwd: string
  let host: StandIn['hosts'][number]['host']
  const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 180_000})

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    host = standIn.hosts[0].host
    cwd = writeConfig()
  })

  it("a first deploy (it fills the host's script cache; the faults below meet the deploy's own follow)", async () => {
    const {code, stderr} = await cli(['deploy', '--branch', 'main'])
    expect(code, stderr).toBe(0)
  })
  afterAll(async () => standIn?.stop())

  it('refuses bad flags before any AWS call (exit 2, nothing sent)', async () => {
    standIn.sandbox.resetCounts()
    for (const args of [
      ['deploy', '--max-concurrency', '0'],
      ['deploy', '--max-errors', 'some'],
      ['deploy', '--branch', 'HEAD'],
      ['deploy', '--branch', 'refs/heads/main'],
      ['deploy', '--branch', host.commitOf('main')],
      ['logs', '--since', '99999d'],
      ['deploy', '--attach', 'not-an-id'],
    ]) {
      const {code, stderr} = await cli(args)
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2)
      expect(stderr, args.join(' ')).toMatch(/Next: /)
    }
    expect(standIn.sandbox.requestCounts()).toEqual({})
    expect(host.buildCount()).toBe(2) // the first deploy's only
  })

  it("throttling that outlasts the SDK's retries mid-follow: waits it out with a notice and follows the deploy to its end", async () => {
    // 12 throttled answers: three calls of the SDK's four attempts each.
    standIn.sandbox.injectFault({action: 'GetCommandInvocation', error: 'ThrottlingException', count: 12, after: 3})
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'slow-build'])
    expect(code, stdout + stderr).toBe(0)
    expect(standIn.sandbox.pendingFaults()).toEqual([])
    expect(stderr).toMatch(/AWS kept throttling the request \(ssm:GetCommandInvocation\) after retries\. Still following; next try in 1 s\./)
    expect(stdout).toContain(`✔ Deploy slow-build @ ${host.commitOf('slow-build').slice(0, 7)}`)
  })

  it('credentials expired for good mid-follow: exit 7, the deploy goes on, --attach follows it to its end', async () => {
    standIn.sandbox.injectFault({action: 'GetCommandInvocation', error: 'ExpiredTokenException', count: 1000, after: 3})
    const lost = await cli(['deploy', '--branch', 'feature-x'])
    standIn.sandbox.clearFaults()
    expect(lost.code, lost.stdout + lost.stderr).toBe(7)
    const commandId = /Stopped following Run Command ([0-9a-f-]{36})/.exec(lost.stderr)![1]!
    expect(lost.stderr).toContain(`Stopped following Run Command ${commandId}: The AWS credentials have expired (ssm:GetCommandInvocation).`)
    expect(lost.stderr).toContain('The deploy goes on on the host; nothing was stopped or started again.')
    expect(lost.stderr).toContain(`Then follow it again: upsc deploy --stage stage2 --attach ${commandId}`)
    expect(lost.stderr).not.toMatch(/try again/)

    const attached = await cli(['deploy', '--attach', commandId, '--json'])
    expect(attached.code, attached.stderr).toBe(0)
    expect(JSON.parse(attached.stdout).hosts[0]).toMatchObject({outcome: 'succeeded', result: {branch: 'feature-x', commit: host.commitOf('feature-x')}})
    expect(host.headCommit()).toBe(host.commitOf('feature-x'))
  })

  it('a connection reset mid-follow is waited out too', async () => {
    standIn.sandbox.injectFault({action: 'GetCommandInvocation', error: 'reset', count: 8, after: 2})
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'main'])
    expect(code, stdout + stderr).toBe(0)
    expect(stderr).toMatch(/Cannot reach the AWS endpoint \(ssm:GetCommandInvocation\).*Still following/)
  })
})

describe('more than 50 instances (SendCommand takes at most 50 ids)', () => {
  let standIn: StandIn
  let cwd: string
  let ids: string[]
  const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 240_000})
  const name = 'upscpro-big-docker'

  beforeAll(async () => {
    standIn = await startStandIn({hosts: []})
    ids = await standIn.addCannedHosts({count: 55, name, stdout: 'hello from a canned host\n::upsc result {"exitCode":0}\n', delayMs: 20})
    cwd = writeConfig({big: {region: 'eu-central-1', instances: {tags: {Name: name}}, timeouts: {healthSeconds: 5}}})
  })
  afterAll(async () => standIn?.stop())

  it('exec reaches all 55 in two commands at once, and collects every result', async () => {
    const {code, stdout, stderr} = await cli(['exec', '--json', '--', 'echo', 'hi'])
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.hosts.map((h: {instanceId: string}) => h.instanceId).sort()).toEqual([...ids].sort())
    expect(result.hosts.every((h: {outcome: string; stdout: string}) => h.outcome === 'succeeded' && h.stdout === 'hello from a canned host')).toBe(true)
    const sent = standIn.sandbox.commands().filter((c: {script: string}) => c.script.includes('#!/bin/bash'))
    expect(sent.map((c: {invocations: unknown[]}) => c.invocations.length).sort()).toEqual([5, 50])
  })

  it('a batch whose SendCommand is throttled past the retries: the other batch runs and is followed to its end, the refused hosts are not sent, with the reason', async () => {
    // The first SendCommand goes through; the other batch's is throttled on all four of the SDK's attempts.
    standIn.sandbox.injectFault({action: 'SendCommand', error: 'ThrottlingException', count: 4, after: 1})
    const json = await cli(['exec', '--json', '--', 'echo', 'hi'])
    expect(standIn.sandbox.pendingFaults()).toEqual([])
    expect(json.code, json.stderr).toBe(3)
    const hosts: {instanceId: string; outcome: string; exitCode: number; reason?: string; stdout: string}[] = JSON.parse(json.stdout).hosts
    expect(hosts.map((h) => h.instanceId).sort()).toEqual([...ids].sort())
    const ran = hosts.filter((h) => h.outcome === 'succeeded')
    const refused = hosts.filter((h) => h.outcome !== 'succeeded')
    expect([5, 50]).toContain(refused.length)
    expect(ran.every((h) => h.stdout === 'hello from a canned host')).toBe(true)
    expect(new Set(refused.map((h) => `${h.outcome} ${h.exitCode}: ${h.reason}`))).toEqual(
      new Set(['not-sent 3: AWS kept throttling the request (ssm:SendCommand) after retries.']),
    )

    // The table says so, host by host.
    standIn.sandbox.injectFault({action: 'SendCommand', error: 'ThrottlingException', count: 4, after: 1})
    const table = await cli(['exec', '--', 'echo', 'hi'])
    expect(table.code).toBe(3)
    expect(table.stderr).toMatch(/ {2}not sent: AWS kept throttling the request \(ssm:SendCommand\) after retries\. +3\n/)
    expect(table.stderr).toMatch(/(5|50) of 55 instances failed; exit code 3\./)

    // status: the hosts the probe never reached say why.
    standIn.sandbox.injectFault({action: 'SendCommand', error: 'ThrottlingException', count: 4, after: 1})
    const status = await cli(['status', '--json'])
    expect(status.code).toBe(1)
    const probes: string[] = JSON.parse(status.stdout).instances.map(
      (i: {checks: {id: string; detail: string}[]}) => i.checks.find((c) => c.id === 'host.probe')!.detail,
    )
    const notSent = probes.filter((d) => d === 'the probe was not sent: AWS kept throttling the request (ssm:SendCommand) after retries.')
    expect([5, 50]).toContain(notSent.length)
  })

  it('deploy reaches all 55, batch after batch when rolling', async () => {
    // The canned hosts now answer as deploy.sh does: each result is checked against its script's schema.
    const deployed = deployResult({durationSeconds: 0.1})
    for (const id of ids) standIn.sandbox.updateInstance(id, {canned: {stdout: `::upsc result ${JSON.stringify(deployed)}\n`, delayMs: 20}})
    const before = standIn.sandbox.commands().length
    const {code, stdout, stderr} = await cli(['deploy', '--branch', 'main', '--max-concurrency', '10', '--json'])
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.hosts).toHaveLength(55)
    expect(result.hosts.every((h: {outcome: string}) => h.outcome === 'succeeded')).toBe(true)
    const sent = standIn.sandbox.commands().slice(before)
    expect(sent.map((c: {invocations: unknown[]}) => c.invocations.length)).toEqual([50, 5])
  })
})
