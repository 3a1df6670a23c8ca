import {CloudWatchClient, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch'
import {PublishCommand, SNSClient} from '@aws-sdk/client-sns'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {AwsClients} from '../../src/aws/clients.js'
import type {StageContext} from '../../src/ops/context.js'
import {parseConfig, selectStage} from '../../src/config/load.js'
import type {HostResult} from '../../src/outcome/host-result.js'
import {type FinishedOperation, loadingReportOnResult, reportOutcome} from '../../src/ops/announce.js'
import type {ReportLine} from '../../src/remote/report-lines.js'

// Denied access and throttling are states moto does not produce: the SDK clients are mocked here.
const snsMock = mockClient(SNSClient)
const cloudwatchMock = mockClient(CloudWatchClient)

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:upsc-deploys'
const awsError = (name: string, message = name, status = 400) => Object.assign(new Error(message), {name, $metadata: {httpStatusCode: status}})

function context(stageExtra: Record<string, unknown>): StageContext {
  const config = parseConfig(JSON.stringify({stages: {stage2: {region: 'eu-central-1', ...stageExtra}}}), 'f.json')
  return {config, stage: selectStage(config), clients: new AwsClients({region: 'eu-central-1'}), instances: []}
}

const host = (outcome: HostResult['outcome']): HostResult => ({
  instanceId: 'i-0123456789abcdef0',
  outcome,
  exitCode: outcome === 'succeeded' ? 0 : 1,
  result: {branch: 'main', commit: 'a'.repeat(40), durationSeconds: 10, failedStep: outcome === 'succeeded' ? null : 'build'},
  steps: [],
  records: [],
  warnings: [],
  invocationStatus: 'Success',
  outputSource: 'cloudwatch',
  outputTruncated: false,
})

const deploy = (outcome: HostResult['outcome'], extra: Partial<FinishedOperation> = {}): FinishedOperation => ({
  kind: 'deploy',
  caller: 'arn:aws:iam::123456789012:user/alice',
  exitCode: outcome === 'succeeded' ? 0 : 1,
  hosts: [host(outcome)],
  commandIdOf: () => 'c-1',
  detached: false,
  branch: 'main',
  ...extra,
})

beforeEach(() => {
  snsMock.reset()
  cloudwatchMock.reset()
  snsMock.on(PublishCommand).resolves({MessageId: 'm-1'})
  cloudwatchMock.on(PutMetricDataCommand).resolves({})
})

describe('reportOutcome', () => {
  it('publishes a failure and puts its metrics, with no warning', async () => {
    const warnings = await reportOutcome(context({notify: {snsTopicArn: TOPIC}}), deploy('failed'))
    expect(warnings).toEqual([])
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1)
    const publish = snsMock.commandCalls(PublishCommand)[0]!
    expect(publish.args[0].input).toMatchObject({TopicArn: TOPIC, Subject: `[upsc] stage2: deploy of main @ aaaaaaa FAILED at build`})
    // The topic's region, from its ARN, not the stage's.
    expect(await (publish.thisValue as SNSClient).config.region()).toBe('us-east-1')
    expect(cloudwatchMock.commandCalls(PutMetricDataCommand)[0]!.args[0].input.Namespace).toBe('UPSC/Deployments')
  })

  it('turns a refused publish into one warning that names the permission; the metrics still go', async () => {
    snsMock
      .on(PublishCommand)
      .rejects(awsError('AuthorizationError', 'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: SNS:Publish', 403))
    const warnings = await reportOutcome(context({notify: {snsTopicArn: TOPIC}}), deploy('failed'))
    expect(warnings).toEqual([
      `notification not sent to ${TOPIC}: AuthorizationError: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: SNS:Publish (the caller needs sns:Publish); the deploy's outcome stands`,
    ])
    expect(cloudwatchMock.commandCalls(PutMetricDataCommand)).toHaveLength(1)
  })

  it('gives one warning per failed send when both fail', async () => {
    snsMock.on(PublishCommand).rejects(awsError('ThrottledException', 'Rate exceeded'))
    cloudwatchMock.on(PutMetricDataCommand).rejects(awsError('AccessDenied', 'not authorized', 403))
    const warnings = await reportOutcome(context({notify: {snsTopicArn: TOPIC}}), deploy('rolled-back'))
    expect(warnings.sort()).toEqual([
      "metrics not sent to CloudWatch (UPSC/Deployments): AccessDenied: not authorized (the caller needs cloudwatch:PutMetricData); the deploy's outcome stands",
      `notification not sent to ${TOPIC}: ThrottledException: Rate exceeded; the deploy's outcome stands`,
    ])
  })

  it('sends nothing for a success unless onSuccess, and no metrics when they are switched off', async () => {
    expect(await reportOutcome(context({notify: {snsTopicArn: TOPIC}, metrics: {enabled: false}}), deploy('succeeded'))).toEqual([])
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0)
    expect(cloudwatchMock.commandCalls(PutMetricDataCommand)).toHaveLength(0)
    await reportOutcome(context({notify: {snsTopicArn: TOPIC, onSuccess: true}}), deploy('succeeded'))
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toBe('[upsc] stage2: deployed main @ aaaaaaa')
  })

  it('reports nothing for a deploy it stopped following, or one that found the lock held', async () => {
    const ctx = context({notify: {snsTopicArn: TOPIC}})
    expect(await reportOutcome(ctx, deploy('failed', {detached: true}))).toEqual([])
    expect(await reportOutcome(ctx, deploy('lock-held'))).toEqual([])
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0)
    expect(cloudwatchMock.commandCalls(PutMetricDataCommand)).toHaveLength(0)
  })
})

describe('loadingReportOnResult', () => {
  it("passes every line on, and on the first result line starts loading the report's clients, once", async () => {
    const ctx = context({notify: {snsTopicArn: TOPIC}})
    const loads: string[] = []
    ctx.clients.cloudwatch = async () => (loads.push('cloudwatch'), new CloudWatchClient({region: 'eu-central-1'}))
    ctx.clients.sns = async (region?: string) => (loads.push(`sns ${region}`), new SNSClient({region}))
    const seen: string[] = []
    const onLine = loadingReportOnResult(ctx, (id, line) => seen.push(`${id} ${line.kind}`))
    const log: ReportLine = {kind: 'log', text: 'building'}
    const result: ReportLine = {kind: 'result', result: {ok: true}}
    onLine('i-1', log)
    expect(loads).toEqual([])
    onLine('i-1', result)
    onLine('i-2', result)
    expect(seen).toEqual(['i-1 log', 'i-1 result', 'i-2 result'])
    expect(loads).toEqual(['cloudwatch', 'sns us-east-1'])
  })

  it('loads nothing the report does not use (metrics off, no topic)', () => {
    const ctx = context({metrics: {enabled: false}})
    const loads: string[] = []
    ctx.clients.cloudwatch = async () => (loads.push('cloudwatch'), new CloudWatchClient({region: 'eu-central-1'}))
    loadingReportOnResult(ctx)('i-1', {kind: 'result', result: {}})
    expect(loads).toEqual([])
  })
})
