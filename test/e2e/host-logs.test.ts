/**
 * What reaches the stage's log group from the host itself, shipped by the CloudWatch agent (the
 * rig's agent stand-in, driven by the agent config `upsc bootstrap cloudwatch-agent` generates):
 * every deploy and rollback in `{instance_id}/deploy`, whoever started it, read back with the built CLI.
 */
import {readFileSync, rmSync} from 'node:fs'

import {CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cloudwatchAgentConfig} from '../../src/bootstrap/cloudwatch.js'
import {resolveStages} from '../../src/config/load.js'
import type {StageConfigInput} from '../../src/config/schema.js'
// @ts-expect-error plain JS rig
import {startCloudWatchAgent} from '../../tools/stand-in/cloudwatch-agent.js'
// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, sandboxStage, startCli, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe("the host's own streams, shipped by the CloudWatch agent", () => {
  let standIn: StandIn
  let agent: {stop(): Promise<void>; problems(): string[]}
  let instanceId: string
  let cwd: string
  const stageInput = sandboxStage()

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    instanceId = standIn.hosts[0].instanceId
    const stage = resolveStages({stages: {stage2: stageInput as StageConfigInput}}, 'test').stages.stage2!
    agent = startCloudWatchAgent({
      root: standIn.hosts[0].host.root,
      config: cloudwatchAgentConfig(stage),
      instanceId,
      motoUrl: standIn.motoUrl,
      region: standIn.region,
    })
    cwd = writeConfig({stage2: stageInput})
  })
  afterAll(async () => {
    await agent?.stop()
    await standIn?.stop()
  })

  it("a CLI deploy's steps and result reach {instance_id}/deploy: upsc logs --stream deploy -f shows it live", async () => {
    const follow = startCli(['logs', '--stream', 'deploy', '-f', '--since', '5m', '--format', 'json'], cwd, standIn.env)
    const deploy = await runCli(['deploy', '--branch', 'main', '--json'], {cwd, env: standIn.env, timeoutMs: 120_000})
    expect(deploy.code, deploy.stderr).toBe(0)
    const deployId = JSON.parse(deploy.stdout).deployId as string
    const lines = () =>
      follow.out.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as {stream: string; message: string})
    await follow.waitFor(() => lines().some((l) => /::upsc\.[0-9a-f]+ result /.test(l.message)), "the deploy's result line", 60_000)
    expect(await follow.interrupt()).toBe(0)
    const shown = lines()
    expect(new Set(shown.map((l) => l.stream))).toEqual(new Set([`${instanceId}/deploy`]))
    // Each line as the host wrote it: its UTC timestamp first.
    for (const l of shown) expect(l.message).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /)
    const messages = shown.map((l) => l.message.replace(/^\S+ /, ''))
    for (const step of ['lock', 'fetch', 'build', 'up', 'health'])
      expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^::upsc\\.[0-9a-f]+ step ${step} ok `)))
    expect(messages).toContainEqual(
      expect.stringMatching(new RegExp(`^::upsc\\.[0-9a-f]+ record \\{"id":"${deployId}","kind":"deploy",.*"outcome":"succeeded"`)),
    )
    expect(messages.filter((m) => /^::upsc\.[0-9a-f]+ result /.test(m))).toHaveLength(1)
    expect(agent.problems()).toEqual([])
  }, 180_000)

  it('a rollback is there too', async () => {
    expect((await runCli(['deploy', '--branch', 'feature-x'], {cwd, env: standIn.env, timeoutMs: 120_000})).code).toBe(0)
    const rollback = await runCli(['rollback', '--yes'], {cwd, env: standIn.env, timeoutMs: 120_000})
    expect(rollback.code, rollback.stderr).toBe(0)
    const read = async () => (await runCli(['logs', '--stream', 'deploy', '--since', '5m', '--format', 'json'], {cwd, env: standIn.env})).stdout
    let out = await read()
    for (let i = 0; i < 30 && !/::upsc\.[0-9a-f]+ result \{"schema":1,"kind":"rollback"/.test(out); i++) out = await read()
    expect(out).toMatch(/::upsc\.[0-9a-f]+ record \{\\"id\\":\\"rollback-[^"\\]+\\",\\"kind\\":\\"rollback\\"/)
  }, 240_000)

  it("history survives the host's file: upsc history reads the records from CloudWatch when deployments.jsonl is gone, or with --source cloudwatch", async () => {
    const {host} = standIn.hosts[0]
    const onHost = JSON.parse((await runCli(['history', '--json'], {cwd, env: standIn.env})).stdout)
    expect(onHost.source).toBe('host')
    const ids = onHost.records.map((r: {id: string}) => r.id)
    expect(ids).toHaveLength(3)
    // What CloudWatch has (the agent ships within a moment).
    let shipped: {source: string; records: {id: string; instanceId: string; outcome: string}[]} = {source: '', records: []}
    for (let i = 0; i < 30 && shipped.records.length < 3; i++)
      shipped = JSON.parse((await runCli(['history', '--source', 'cloudwatch', '--json'], {cwd, env: standIn.env})).stdout)
    expect(shipped.source).toBe('cloudwatch')
    expect(shipped.records.map((r) => r.id)).toEqual(ids)
    expect(shipped.records.map(({instanceId}) => instanceId)).toEqual([instanceId, instanceId, instanceId])

    rmSync(host.hostPath('/opt/upscpro/.upsc/deployments.jsonl'))
    const fallback = await runCli(['history', '--json'], {cwd, env: standIn.env})
    expect(fallback.code, fallback.stderr).toBe(0)
    const result = JSON.parse(fallback.stdout)
    expect(result.source).toBe('cloudwatch')
    expect(result.records.map((r: {id: string}) => r.id)).toEqual(ids)
    expect(result.records[0]).toMatchObject({kind: 'rollback', outcome: 'succeeded', commit: host.commitOf('main')})
    const table = await runCli(['history'], {cwd, env: standIn.env})
    expect(table.stderr).toContain('From CloudWatch Logs (/aws/ec2/upscpro-stage2-docker, the deploy streams).')
    expect(table.stdout).toContain('rollback')
    // A rollback has nothing to go back to on this host now, and says where the history is.
    const rollback = await runCli(['rollback', '--yes'], {cwd, env: standIn.env})
    expect(rollback.code).toBe(1)
    expect(rollback.stderr).toContain(
      '`upsc history --source cloudwatch` lists the earlier deployments; `upsc deploy --ref <commit>` builds one of them again.',
    )
  }, 180_000)

  it("upsc logs --service api reads only api's container stream; --instance alone reads every stream of the instance", async () => {
    const logs = new CloudWatchLogsClient({
      region: standIn.region,
      endpoint: standIn.motoUrl,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
      maxAttempts: 1,
    })
    const group = '/aws/ec2/upscpro-stage2-docker'
    const now = Date.now()
    for (const [stream, message] of [
      [`${instanceId}/containers/api`, 'GET /health 200 (api)'],
      [`${instanceId}/containers/worker`, 'job done (worker)'],
      [`${instanceId}/monitor`, 'Monitor: healthy'],
      ['i-0ffffffffffffffff/containers/api', 'another instance'],
    ]) {
      await logs.send(new CreateLogStreamCommand({logGroupName: group, logStreamName: stream}))
      await logs.send(new PutLogEventsCommand({logGroupName: group, logStreamName: stream, logEvents: [{timestamp: now, message}]}))
    }
    const api = await runCli(['logs', '--service', 'api', '--since', '5m', '--format', 'json'], {cwd, env: standIn.env})
    expect(api.code, api.stderr).toBe(0)
    expect(
      api.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((e: {stream: string; message: string}) => [e.stream, e.message]),
    ).toEqual([[`${instanceId}/containers/api`, 'GET /health 200 (api)']])
    const all = await runCli(['logs', '--instance', instanceId, '--since', '5m', '--format', 'json'], {cwd, env: standIn.env})
    expect(all.code, all.stderr).toBe(0)
    const streams = new Set(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as {stream: string}).stream),
    )
    expect(streams).toEqual(new Set([`${instanceId}/deploy`, `${instanceId}/containers/api`, `${instanceId}/containers/worker`, `${instanceId}/monitor`]))
  }, 120_000)
})

describe('per-service container streams (containerLogs: awslogs)', () => {
  let standIn: StandIn
  let cwd: string

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    cwd = writeConfig({stage2: sandboxStage({containerLogs: 'awslogs'})})
  })
  afterAll(async () => standIn?.stop())

  it("a deploy sends each service's containers to {instance_id}/containers/<service>; upsc logs --service api shows only api's lines", async () => {
    const instanceId = standIn.hosts[0].instanceId as string
    const {host} = standIn.hosts[0]
    const deploy = await runCli(['deploy', '--branch', 'main'], {cwd, env: standIn.env, timeoutMs: 120_000})
    expect(deploy.code, deploy.stderr + deploy.stdout).toBe(0)
    // The override the deploy wrote, passed to every compose call.
    const override = JSON.parse(readFileSync(host.hostPath('/opt/upscpro/.upsc/compose.logging.json'), 'utf8'))
    expect(Object.keys(override.services).sort()).toEqual(['api', 'worker'])
    expect(override.services.api.logging).toEqual({
      driver: 'awslogs',
      options: {
        'awslogs-group': '/aws/ec2/upscpro-stage2-docker',
        'awslogs-region': 'eu-central-1',
        'awslogs-stream': `${instanceId}/containers/api`,
        'awslogs-create-group': 'true',
        mode: 'non-blocking',
      },
    })
    // The health gate's requests are in api's log; the driver ships them.
    type Line = {stream: string; message: string}
    let lines: Line[] = []
    for (let i = 0; i < 30 && !lines.some((l) => l.message.includes('GET /health')); i++) {
      const out = await runCli(['logs', '--service', 'api', '--since', '5m', '--format', 'json'], {cwd, env: standIn.env})
      expect(out.code, out.stderr).toBe(0)
      lines = out.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line)
    }
    expect(lines.some((l) => l.message.includes('"GET /health HTTP/1.1" 200'))).toBe(true)
    expect(new Set(lines.map((l) => l.stream))).toEqual(new Set([`${instanceId}/containers/api`]))
    const worker = await runCli(['logs', '--service', 'worker', '--since', '5m', '--format', 'json'], {cwd, env: standIn.env})
    expect(worker.stdout).toContain('upscapp-be-worker-1 version')
    expect(worker.stdout).not.toContain('GET /health')
  }, 180_000)
})
