/**
 * What a bootstrapped host says by itself (signals.sh): alerts on SNS, read back through an SQS
 * queue subscribed in moto, and metrics in moto's CloudWatch. The user-data and the units' scripts
 * run for real by bash on sandbox hosts (test/fixtures/bootstrap/host.ts), the AWS CLI against moto,
 * the instance id from a stand-in IMDS.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {CloudWatchLogsClient, FilterLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {CreateTopicCommand, SNSClient, SubscribeCommand} from '@aws-sdk/client-sns'
import {CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient} from '@aws-sdk/client-sqs'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {
  bootstrapEnv,
  type Host,
  freshSandboxHost,
  putAwsResources,
  readHostFile,
  REGION,
  renderedUserData,
  runUserData,
  testStage,
} from '../../fixtures/bootstrap/host.js'
import {startImds} from '../../fixtures/bootstrap/imds.js'
import type {StageConfigInput} from '../../../src/config/schema.js'
// @ts-expect-error plain JS rig
import {startMoto} from '../../../tools/stand-in/moto.js'

type SandboxHost = Host & {cleanup(): void; killService(service: string): Promise<void>; setOriginFaults(faults: {failFetches?: number}): void}

const INSTANCE_ID = 'i-0abc1234def567890'

let moto: {url: string; stop(): Promise<void>; reset(): Promise<void>}
let imds: {endpoint: string; stop(): Promise<void>}
let awsEnv: Record<string, string>
let scratch: string
let sns: SNSClient
let sqs: SQSClient
let cloudwatch: CloudWatchClient
let logs: CloudWatchLogsClient
let topicArn: string
let queueUrl: string
const hosts: SandboxHost[] = []

beforeAll(async () => {
  moto = await startMoto()
  imds = await startImds(INSTANCE_ID)
  scratch = mkdtempSync(join(tmpdir(), 'upsc-signals-'))
  writeFileSync(join(scratch, 'aws-config'), '')
  awsEnv = {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
    AWS_CONFIG_FILE: join(scratch, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'aws-config'),
  }
  const aws = {region: REGION, endpoint: moto.url, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}, maxAttempts: 1}
  sns = new SNSClient(aws)
  sqs = new SQSClient(aws)
  cloudwatch = new CloudWatchClient(aws)
  logs = new CloudWatchLogsClient(aws)
})
afterAll(async () => {
  await imds?.stop()
  await moto?.stop()
  rmSync(scratch, {recursive: true, force: true})
})
beforeEach(async () => {
  topicArn = (await sns.send(new CreateTopicCommand({Name: 'upsc-stage2-alerts'}))).TopicArn!
  queueUrl = (await sqs.send(new CreateQueueCommand({QueueName: 'alerts-inbox'}))).QueueUrl!
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({QueueUrl: queueUrl, AttributeNames: ['QueueArn']}))).Attributes!.QueueArn!
  await sns.send(new SubscribeCommand({TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn}))
})
afterEach(async () => {
  for (const host of hosts.splice(0)) host.cleanup()
  await moto.reset()
})

/** Every message delivered so far (SNS's envelope, as an SQS subscriber gets it), removed from the queue. */
async function drain(): Promise<{Subject: string; Message: string}[]> {
  const found: {Subject: string; Message: string}[] = []
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0}))
    if (!out.Messages?.length) return found
    for (const m of out.Messages) {
      found.push(JSON.parse(m.Body!))
      await sqs.send(new DeleteMessageCommand({QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle!}))
    }
  }
}

async function metricSum(name: string, dimensions: Record<string, string>): Promise<number> {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {Namespace: 'UPSC/Deployments', MetricName: name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({Name, Value}))},
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    }),
  )
  return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0)
}

/** The messages of a stream of the stage's group once one matches `until` (the agent ships within a moment). */
async function streamText(stream: string, until: RegExp): Promise<string> {
  let text = ''
  for (let i = 0; i < 50 && !until.test(text); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200))
    const out = await logs
      .send(new FilterLogEventsCommand({logGroupName: '/aws/ec2/upscpro-stage2-docker', logStreamNames: [stream]}))
      .catch(() => ({events: []}))
    text = (out.events ?? []).map((e) => e.message).join('\n')
  }
  return text
}

function freshHost(options: Record<string, unknown> = {}): SandboxHost {
  const host = freshSandboxHost<SandboxHost>(options)
  hosts.push(host)
  return host
}

const read = readHostFile
const monitorJson = (host: Host) => JSON.parse(read(host, '/opt/upscpro/.upsc/monitor.json'))

/** A host bootstrapped with the alerts topic given as Terraform gives it, and its units' runner. */
async function bootstrapped(alerts: StageConfigInput['alerts'] = {}) {
  const stage = testStage({alerts})
  const host = freshHost()
  putAwsResources(awsEnv, stage, {}, scratch)
  const env = bootstrapEnv(host, awsEnv, {UPSC_MONITOR_GRACE_SECONDS: '0'})
  const {code, stdout} = await runUserData(host, renderedUserData(stage, {alerts_topic_arn: topicArn}), env)
  expect(code, stdout).toBe(0)
  const unit = (name: string) => host.run(`bash ${join(host.upscHome, 'bin/upsc-run')} ${name}`, {cwd: host.root, env})
  return {host, unit}
}

describe('alerts and metrics from the monitor', () => {
  it('a service that keeps crashing: one incident message and one recovery message, ServiceRestarts and the heartbeat in CloudWatch', async () => {
    const {host, unit} = await bootstrapped({restartLoop: 10})
    expect(await drain()).toEqual([])
    for (let i = 0; i < 4; i++) {
      await host.killService('worker')
      expect((await unit('monitor')).code).toBe(0)
      expect(monitorJson(host)).toMatchObject({outcome: 'recovered', openIncidents: ['restart-worker'], instanceId: INSTANCE_ID})
    }
    const incident = await drain()
    expect(incident).toHaveLength(1)
    expect(incident[0]!.Subject).toBe(`[upsc] stage2: worker restarted on ${INSTANCE_ID}`)
    const body = incident[0]!.Message.split('\n')
    expect(body[0]).toBe('upsc monitor on stage2: INCIDENT')
    expect(body).toContain('Stage:     stage2')
    expect(body.find((l) => l.startsWith('What:'))).toMatch(/^What: {6}worker was down or unhealthy \(worker: exited\)$/)
    expect(body.find((l) => l.startsWith('Since:'))).toMatch(/^Since: {5}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(body).toContain('upsc did:  restarted worker; the health checks pass again')
    expect(body).toContain(`Look:      upsc status --stage stage2 -i ${INSTANCE_ID}`)
    expect(body.find((l) => l.includes('upsc logs'))).toMatch(
      new RegExp(`^ {11}upsc logs --stage stage2 -i ${INSTANCE_ID} --since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
    )

    // A check that finds nothing to restart: the incident is over.
    expect((await unit('monitor')).code).toBe(0)
    const recovery = await drain()
    expect(recovery.map((m) => m.Subject)).toEqual([`[upsc] stage2: recovered: worker restarted on ${INSTANCE_ID}`])
    expect(recovery[0]!.Message).toMatch(/^upsc monitor on stage2: RECOVERED\n/)
    expect(recovery[0]!.Message).toMatch(/\nRecovered: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(after \d+ min\)\n/)
    expect(monitorJson(host)).toMatchObject({outcome: 'healthy', openIncidents: [], restarts24h: {worker: 4}, lastRecoveryAt: expect.stringMatching(/Z$/)})
    // Another healthy check says nothing more.
    await unit('monitor')
    expect(await drain()).toEqual([])

    // The host's log files, shipped by the CloudWatch agent (the rig's stand-in, started by the
    // bootstrap's agent config): the bootstrap's deploy in the deploy stream, the alerts in the monitor's.
    const deployStream = await streamText(`${INSTANCE_ID}/deploy`, /::upsc result \{"schema":1,"kind":"deploy",/)
    expect(deployStream).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ::upsc record \{"id":"bootstrap-/m)
    expect(await streamText(`${INSTANCE_ID}/monitor`, /Alert sent: \[upsc\] stage2: recovered: worker restarted/)).toContain(
      `Alert sent: [upsc] stage2: worker restarted on ${INSTANCE_ID}`,
    )

    expect(await metricSum('ServiceRestarts', {Stage: 'stage2', InstanceId: INSTANCE_ID, Service: 'worker'})).toBe(4)
    expect(await metricSum('ServiceRestarts', {Stage: 'stage2', Service: 'worker'})).toBe(4)
    expect(await metricSum('ServiceRestarts', {Stage: 'stage2'})).toBe(4)
    expect(await metricSum('MonitorHeartbeat', {Stage: 'stage2', InstanceId: INSTANCE_ID})).toBe(6)
    // The bootstrap's first deploy, counted as the CLI counts one.
    expect(await metricSum('DeploySucceeded', {Stage: 'stage2', InstanceId: INSTANCE_ID})).toBe(1)
    expect(await metricSum('DeployFailed', {Stage: 'stage2'})).toBe(0)
  }, 180_000)

  it('a restart loop is its own alert; beyond the hourly budget alerts wait for a later run', async () => {
    const {host, unit} = await bootstrapped({restartLoop: 2, maxPerHour: 2})
    await host.killService('worker')
    await unit('monitor')
    await host.killService('api')
    await unit('monitor')
    // The api's restart used the second message of the hour; worker's loop waits.
    await host.killService('worker')
    const third = await unit('monitor')
    expect(third.stdout).toMatch(/Alert held back \(at most 2 an hour, sent later\): \[upsc\] stage2: worker in a restart loop/)
    expect((await drain()).map((m) => m.Subject)).toEqual([
      `[upsc] stage2: worker restarted on ${INSTANCE_ID}`,
      `[upsc] stage2: api restarted on ${INSTANCE_ID}`,
    ])
    expect(monitorJson(host)).toMatchObject({
      restarts24h: {worker: 2, api: 1},
      openIncidents: expect.arrayContaining(['restart-worker', 'loop-worker', 'restart-api']),
    })
    // An hour later (the budget's record, aged), the loop alert goes out.
    const sent = join(host.upscHome, 'alerts/.sent')
    writeFileSync(
      sent,
      readFileSync(sent, 'utf8').replace(/\d+/g, (t) => String(Number(t) - 3600)),
    )
    await host.killService('worker')
    await unit('monitor')
    const late = await drain()
    expect(late.map((m) => m.Subject)).toEqual([`[upsc] stage2: worker in a restart loop on ${INSTANCE_ID}`])
    expect(late[0]!.Message).toMatch(/\nWhat: {6}worker restarted 3 times in the last hour \(3 in 24 h\)\n/)
  }, 180_000)
})

describe('alerts from the bootstrap', () => {
  it('a failed bootstrap publishes once, with the failing step and what to do; its first deploy counts as failed', async () => {
    const stage = testStage({retry: {tries: 1, baseSeconds: 0}})
    const host = freshHost({failFetches: 999})
    putAwsResources(awsEnv, stage, {}, scratch)
    const env = bootstrapEnv(host, awsEnv)
    const {code} = await runUserData(host, renderedUserData(stage, {alerts_topic_arn: topicArn}), env)
    expect(code).toBe(1)
    const messages = await drain()
    expect(messages.map((m) => m.Subject)).toEqual([`[upsc] stage2: bootstrap FAILED at deploy on ${INSTANCE_ID}`])
    expect(messages[0]!.Message).toMatch(/^upsc bootstrap on stage2: INCIDENT\n/)
    expect(messages[0]!.Message).toMatch(
      /\nWhat: {6}the bootstrap failed at step deploy: the first deploy of main failed .*cannot reach origin \(network unreachable\)/,
    )
    expect(messages[0]!.Message).toMatch(/\nupsc did: {2}stopped \(exit 1\); next: .*upsc deploy --branch main.*; it runs again at the next boot\n/)
    expect(await metricSum('DeployFailed', {Stage: 'stage2', InstanceId: INSTANCE_ID})).toBe(1)
    // Run again, still failing: no second message. Then fixed: one recovery message.
    await host.run(`bash ${join(host.upscHome, 'bin/bootstrap.sh')}`, {cwd: host.root, env})
    expect(await drain()).toEqual([])
    host.setOriginFaults({failFetches: 0})
    const fixed = await host.run(`bash ${join(host.upscHome, 'bin/bootstrap.sh')}`, {cwd: host.root, env})
    expect(fixed.code, fixed.stdout).toBe(0)
    expect((await drain()).map((m) => m.Subject)).toEqual([`[upsc] stage2: recovered: bootstrap FAILED at deploy on ${INSTANCE_ID}`])
  }, 240_000)
})
