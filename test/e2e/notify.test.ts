/**
 * Deploy notifications (SNS, read back through an SQS queue subscribed in moto) and metrics
 * (CloudWatch in moto, read back with ListMetrics and GetMetricData), through the built CLI.
 */
import {CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery} from '@aws-sdk/client-cloudwatch'
import {CloudWatchLogsClient, CreateLogGroupCommand} from '@aws-sdk/client-cloudwatch-logs'
import {CreateTopicCommand, SNSClient, SubscribeCommand} from '@aws-sdk/client-sns'
import {CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient} from '@aws-sdk/client-sqs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, sandboxStage, stepsOnce, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

interface Notification {
  Subject: string
  Message: string
}

const REGION = 'eu-central-1'
const RUN_COMMAND_GROUP = '/aws/ssm/AWS-RunShellScript'

describe('deploy notifications and metrics through the CLI', () => {
  let standIn: StandIn
  let host: StandIn['hosts'][number]['host']
  let instanceId: string
  let topicArn: string
  let queueUrl: string
  let sqs: SQSClient
  let cloudwatch: CloudWatchClient
  let cwd: string
  const cli = (args: string[], dir = cwd, env: Record<string, string> = {}) => runCli(args, {cwd: dir, env: {...standIn.env, ...env}, timeoutMs: 120_000})

  /** Every notification delivered so far (SNS's JSON envelope, as an SQS subscriber gets it), removed from the queue. */
  async function drain(): Promise<Notification[]> {
    const found: Notification[] = []
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0}))
      if (!out.Messages?.length) return found
      for (const m of out.Messages) {
        found.push(JSON.parse(m.Body!) as Notification)
        await sqs.send(new DeleteMessageCommand({QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle!}))
      }
    }
  }

  /** The sum of one statistic of a metric over the last hour. */
  async function metricTotal(name: string, stat: 'Sum' | 'SampleCount', dimensions: Record<string, string>): Promise<number> {
    const query: MetricDataQuery = {
      Id: 'm',
      MetricStat: {
        Metric: {Namespace: 'UPSC/Deployments', MetricName: name, Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({Name, Value}))},
        Period: 60,
        Stat: stat,
      },
    }
    const out = await cloudwatch.send(
      new GetMetricDataCommand({StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 60_000), MetricDataQueries: [query]}),
    )
    return (out.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0)
  }

  interface Deployed {
    code: number | null
    stdout: string
    stderr: string
    /** What the deploy sent (drained after it). */
    notifications: Notification[]
  }
  const STAGE2_DEPLOYS = [
    ['deploy', '--branch', 'main'],
    ['deploy', '--branch', 'bad-health', '--json'],
    ['deploy', '--branch', 'build-fails', '--json'],
  ]
  /** The first n of stage2's deploys (main: ok; bad-health: rolled back; build-fails: failed). */
  const stage2Deploys = stepsOnce(STAGE2_DEPLOYS.map((args) => async (): Promise<Deployed> => ({...(await cli(args)), notifications: await drain()})))

  const metricNames = async (dimensions: {Name: string; Value?: string}[]) =>
    ((await cloudwatch.send(new ListMetricsCommand({Namespace: 'UPSC/Deployments', Dimensions: dimensions}))).Metrics ?? []).map((m) => m.MetricName)

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    host = standIn.hosts[0].host
    instanceId = standIn.hosts[0].instanceId
    const aws = {region: REGION, endpoint: standIn.motoUrl, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}, maxAttempts: 1}
    const sns = new SNSClient(aws)
    sqs = new SQSClient(aws)
    cloudwatch = new CloudWatchClient(aws)
    topicArn = (await sns.send(new CreateTopicCommand({Name: 'upsc-deploys'}))).TopicArn!
    queueUrl = (await sqs.send(new CreateQueueCommand({QueueName: 'upsc-deploys-inbox'}))).QueueUrl!
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({QueueUrl: queueUrl, AttributeNames: ['QueueArn']}))).Attributes!.QueueArn!
    await sns.send(new SubscribeCommand({TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn}))
    // `upsc logs` reads the stage's own group besides --group: it exists on a bootstrapped stage.
    await new CloudWatchLogsClient(aws).send(new CreateLogGroupCommand({logGroupName: '/aws/ec2/upscpro-stage2-docker'}))
    cwd = writeConfig({stage2: sandboxStage({notify: {snsTopicArn: topicArn}})})
  })
  afterAll(async () => standIn?.stop())

  it('a successful deploy writes its metrics and, without notify.onSuccess, sends nothing', async () => {
    const [{code, stderr, notifications}] = await stage2Deploys(1)
    expect(code, stderr).toBe(0)
    expect(stderr).not.toContain('warning:')
    expect(notifications).toEqual([])
    expect((await metricNames([{Name: 'Stage', Value: 'stage2'}])).sort()).toEqual(
      // Stage-only: outcome counts and durations; the same with InstanceId as well.
      expect.arrayContaining(['BuildDuration', 'DeployDuration', 'DeployFailed', 'DeploySucceeded', 'RolledBack']),
    )
    expect(
      await metricNames([
        {Name: 'Stage', Value: 'stage2'},
        {Name: 'InstanceId', Value: instanceId},
      ]),
    ).toEqual(expect.arrayContaining(['BuildDuration', 'DeployDuration', 'DeployFailed', 'DeploySucceeded', 'RolledBack']))
    expect(await metricTotal('DeploySucceeded', 'Sum', {Stage: 'stage2'})).toBe(1)
    expect(await metricTotal('DeployDuration', 'SampleCount', {Stage: 'stage2', InstanceId: instanceId})).toBe(1)
  }, 300_000)

  it('a deploy that fails its health gate is rolled back (exit 5) and announced with the failing step, who, and the logs command', async () => {
    const [, {code, stdout, stderr, notifications: messages}] = await stage2Deploys(2)
    expect(code, stderr).toBe(5)
    const result = JSON.parse(stdout)
    expect(result.warnings).toEqual([])
    const commit = host.commitOf('bad-health')
    expect(messages).toHaveLength(1)
    const [{Subject, Message}] = messages
    expect(Subject).toBe(`[upsc] stage2: deploy of bad-health @ ${commit.slice(0, 7)} failed at health, rolled back`)
    expect(Message).toMatch(/^upsc deploy on stage2: ROLLED BACK \(exit 5\)\n/)
    expect(Message).toContain('\nStage:     stage2\n')
    expect(Message).toContain('\nBranch:    bad-health\n')
    expect(Message).toContain(`\nCommit:    ${commit}\n`)
    expect(Message).toMatch(/\nWho: {7}arn:aws:[a-z]+::123456789012:\S+\n/)
    expect(Message).toContain('\nOutcome:   rolled back (the new version failed; the previous version serves again)\n')
    // Under a minute "12.3s", from a minute on "1m 5s".
    expect(Message).toMatch(/\nDuration: {2}(\d\.\ds|\d{2}s|\d+m \d{1,2}s)\n/)
    expect(Message).toContain(`\nDeploy id: ${result.deployId}\n`)
    expect(Message).toContain(`\nHost upscpro-stage2-docker (${instanceId}): rolled-back\n`)
    expect(Message).toContain('\n  Failed step: health\n')
    expect(Message).toContain(`\n  Reason:      ${result.hosts[0].reason}\n`)
    expect(result.hosts[0].reason).toMatch(/rolled back to [0-9a-f]{12}, which is healthy$/)
    const logs = new RegExp(
      `\\n  Output: +(upsc logs --stage stage2 --group ${RUN_COMMAND_GROUP} --stream ${result.commandId}/${instanceId}/aws-runShellScript/stdout --since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)\\n`,
    )
    expect(Message).toMatch(logs)

    // The command in the message prints the deploy's output.
    const [, command] = logs.exec(Message)!
    const shown = await cli(command!.split(' ').slice(1))
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/::upsc\.[0-9a-f]+ step health fail/)
  }, 300_000)

  it('a deploy whose build fails (exit 1) is announced with the build step and its reason', async () => {
    const [, , {code, stdout, stderr, notifications}] = await stage2Deploys(3)
    expect(code, stderr).toBe(1)
    const result = JSON.parse(stdout)
    const [{Subject, Message}, ...more] = notifications
    expect(more).toEqual([])
    expect(Subject).toBe(`[upsc] stage2: deploy of build-fails @ ${host.commitOf('build-fails').slice(0, 7)} FAILED at build`)
    expect(Message).toMatch(/^upsc deploy on stage2: FAILED \(exit 1\)\n/)
    expect(Message).toContain('\nOutcome:   failed\n')
    expect(Message).toContain('\n  Failed step: build\n')
    expect(result.hosts[0].reason).toBeTruthy()
    expect(Message).toContain(`\n  Reason:      ${result.hosts[0].reason}\n`)
    expect(Message).toContain(`--stream ${result.commandId}/${instanceId}/aws-runShellScript/stdout`)
  }, 300_000)

  it('counts every deploy once by stage: read back with GetMetricData', async () => {
    // main (ok), bad-health (failed, rolled back), build-fails (failed)
    await stage2Deploys(3)
    expect(await metricTotal('DeployFailed', 'SampleCount', {Stage: 'stage2'})).toBe(3)
    expect(await metricTotal('DeployFailed', 'Sum', {Stage: 'stage2'})).toBe(2)
    expect(await metricTotal('DeploySucceeded', 'Sum', {Stage: 'stage2'})).toBe(1)
    expect(await metricTotal('RolledBack', 'Sum', {Stage: 'stage2'})).toBe(1)
    expect(await metricTotal('RolledBack', 'Sum', {Stage: 'stage2', InstanceId: instanceId})).toBe(1)
    // bad-health built; build-fails did not finish its build
    expect(await metricTotal('BuildDuration', 'SampleCount', {Stage: 'stage2', InstanceId: instanceId})).toBe(2)
    expect(await metricTotal('DeployDuration', 'SampleCount', {Stage: 'stage2', InstanceId: instanceId})).toBe(3)
  }, 300_000)

  it('status shows the failure rate of the last deploys', async () => {
    await stage2Deploys(3)
    const json = await cli(['status', '--json'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout).summary.deploys).toEqual({window: 20, deploys: 3, failed: 2, failureRate: 0.667})
    const table = await cli(['status'])
    expect(table.stdout).toContain('\nDeploys: 2 of the last 3 failed (66.7%)')
  }, 300_000)

  it('a rollback is announced and counted as RolledBack', async () => {
    await stage2Deploys(3)
    expect((await cli(['deploy', '--branch', 'feature-x'])).code).toBe(0)
    const {code, stdout, stderr} = await cli(['rollback', '--yes', '--json'])
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout)
    expect(result.warnings).toEqual([])
    const [{Subject, Message}, ...more] = await drain()
    expect(more).toEqual([])
    expect(Subject).toBe(`[upsc] stage2: rolled back to main @ ${host.commitOf('main').slice(0, 7)}`)
    expect(Message).toMatch(/^upsc rollback on stage2: SUCCEEDED \(exit 0\)\n/)
    expect(Message).toContain(`--stream ${result.commandIds[0]}/${instanceId}/aws-runShellScript/stdout`)
    expect(await metricTotal('RolledBack', 'Sum', {Stage: 'stage2'})).toBe(2)
    // A rollback is not a deploy: the failure rate counts deploys only.
    expect(await metricTotal('DeployFailed', 'SampleCount', {Stage: 'stage2'})).toBe(4)
  }, 300_000)

  it('a topic that does not exist gives one warning line, and the exit code stands (0 and 5)', async () => {
    const missing = topicArn.replace(/:upsc-deploys$/, ':no-such-topic')
    const dir = writeConfig({stage2: sandboxStage({notify: {snsTopicArn: missing, onSuccess: true}})})
    const ok = await cli(['deploy', '--branch', 'main'], dir)
    expect(ok.code).toBe(0)
    const warningLine = `warning: notification not sent to ${missing}: NotFoundException: `
    expect(ok.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
      expect.stringMatching(new RegExp(`^${warningLine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.+; the deploy's outcome stands$`)),
    ])
    const bad = await cli(['deploy', '--branch', 'bad-health', '--json'], dir)
    expect(bad.code).toBe(5)
    expect(JSON.parse(bad.stdout).warnings).toEqual([expect.stringContaining(warningLine.replace(/^warning: /, ''))])
    expect(bad.stderr).toContain(warningLine)
    expect(await drain()).toEqual([])
  })

  it('metrics that cannot be sent give a warning line, and the exit code stands', async () => {
    // A closed port for CloudWatch only: SNS and the rest still work.
    const {code, stderr} = await cli(['deploy', '--branch', 'main'], cwd, {AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:9', UPSC_AWS_MAX_ATTEMPTS: '1'})
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/^warning: metrics not sent to CloudWatch \(UPSC\/Deployments\): .+; the deploy's outcome stands$/m)
  })

  it('with notify.onSuccess a success is announced; with metrics.enabled false none are written', async () => {
    const dir = writeConfig({quiet: sandboxStage({notify: {snsTopicArn: topicArn, onSuccess: true}, metrics: {enabled: false}})})
    const {code, stderr} = await cli(['deploy', '--branch', 'main'], dir)
    expect(code, stderr).toBe(0)
    const [{Subject, Message}, ...more] = await drain()
    expect(more).toEqual([])
    expect(Subject).toBe(`[upsc] quiet: deployed main @ ${host.commitOf('main').slice(0, 7)}`)
    expect(Message).toMatch(/^upsc deploy on quiet: SUCCEEDED \(exit 0\)\n/)
    expect(await metricNames([{Name: 'Stage', Value: 'quiet'}])).toEqual([])
    const status = await cli(['status', '--json'], dir)
    expect(JSON.parse(status.stdout).summary.deploys).toBeUndefined()
  })
})
