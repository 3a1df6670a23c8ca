import {describe, expect, it} from 'vitest'

import {parseConfig, selectStage} from '../../src/config/load.js'
import {UpscError} from '../../src/errors/upsc-error.js'

const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:upsc-deploys'

const stageWith = (extra: Record<string, unknown>) => selectStage(parseConfig(JSON.stringify({stages: {stage2: {region: 'eu-central-1', ...extra}}}), 'f.json'))

function problemsOf(extra: Record<string, unknown>): string {
  try {
    stageWith(extra)
  } catch (error) {
    expect(error).toBeInstanceOf(UpscError)
    expect((error as UpscError).exitCode).toBe(2)
    return (error as UpscError).message
  }
  throw new Error('expected a config error')
}

describe('notify and metrics config', () => {
  it('defaults: no topic, no notification on success, metrics on', () => {
    const stage = stageWith({})
    expect(stage.notify).toEqual({onSuccess: false})
    expect(stage.metrics).toEqual({enabled: true})
  })

  it('takes a topic, onSuccess and metrics.enabled, keeping the defaults of keys not given', () => {
    expect(stageWith({notify: {snsTopicArn: TOPIC}}).notify).toEqual({snsTopicArn: TOPIC, onSuccess: false})
    expect(stageWith({notify: {snsTopicArn: TOPIC, onSuccess: true}, metrics: {enabled: false}})).toMatchObject({
      notify: {snsTopicArn: TOPIC, onSuccess: true},
      metrics: {enabled: false},
    })
    expect(stageWith({notify: {onSuccess: true}}).notify).toEqual({onSuccess: true})
    // other partitions
    expect(stageWith({notify: {snsTopicArn: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:deploys'}}).notify.snsTopicArn).toBe(
      'arn:aws-us-gov:sns:us-gov-west-1:123456789012:deploys',
    )
  })

  it('names the key and what is expected for a bad topic ARN', () => {
    for (const arn of [
      'upsc-deploys',
      'arn:aws:sqs:eu-central-1:123456789012:upsc-deploys',
      'arn:aws:sns:eu-central-1:1234:upsc-deploys',
      'arn:aws:sns:eu-central-1:123456789012:bad name',
      '',
    ])
      expect(problemsOf({notify: {snsTopicArn: arn}})).toContain(
        'stages.stage2.notify.snsTopicArn: expected the ARN of a standard SNS topic such as arn:aws:sns:ap-south-1:123456789012:upsc-deploys',
      )
  })

  it('refuses FIFO topics, which cannot deliver to email', () => {
    expect(problemsOf({notify: {snsTopicArn: `${TOPIC}.fifo`}})).toContain('stages.stage2.notify.snsTopicArn: expected the ARN of a standard SNS topic')
  })

  it('wants booleans for onSuccess and enabled, not strings', () => {
    const message = problemsOf({notify: {onSuccess: 'yes'}, metrics: {enabled: 'false'}})
    expect(message).toContain('f.json has 2 problem(s)')
    expect(message).toContain('stages.stage2.notify.onSuccess: expected true or false')
    expect(message).toContain('stages.stage2.metrics.enabled: expected true or false')
  })

  it('reports unknown keys under notify and metrics, and non-objects', () => {
    expect(problemsOf({notify: {topic: TOPIC}})).toContain('stages.stage2.notify.topic: unknown key: the known keys here are snsTopicArn, onSuccess')
    expect(problemsOf({metrics: {enable: true}})).toContain('stages.stage2.metrics.enable: unknown key: the known keys here are enabled')
    expect(problemsOf({notify: TOPIC})).toContain('stages.stage2.notify: expected an object')
  })
})

describe("alerts config (the host's own alerts)", () => {
  it('defaults to 6 messages an hour and a restart loop at 3, with the topic optional', () => {
    expect(stageWith({}).alerts).toEqual({maxPerHour: 6, restartLoop: 3})
    expect(stageWith({alerts: {topicArn: TOPIC, restartLoop: 5}}).alerts).toEqual({topicArn: TOPIC, maxPerHour: 6, restartLoop: 5})
  })

  it('names the key and what is expected for bad values', () => {
    expect(problemsOf({alerts: {topicArn: 'upsc-alerts'}})).toContain('stages.stage2.alerts.topicArn: expected the ARN of a standard SNS topic')
    expect(problemsOf({alerts: {restartLoop: 1}})).toContain('stages.stage2.alerts.restartLoop')
    expect(problemsOf({alerts: {maxPerHour: 0}})).toContain('stages.stage2.alerts.maxPerHour')
    expect(problemsOf({alerts: {often: true}})).toContain('stages.stage2.alerts.often')
  })
})

describe('containerLogs', () => {
  it("defaults to the agent's single stream; awslogs adds the settings every host script reads", async () => {
    const {stageSettings} = await import('../../src/remote/settings.js')
    expect(stageWith({}).containerLogs).toBe('agent')
    expect(stageSettings(stageWith({})).UPSC_CONTAINER_LOGS).toBeUndefined()
    expect(stageSettings(stageWith({containerLogs: 'awslogs'}))).toMatchObject({
      UPSC_CONTAINER_LOGS: 'awslogs',
      UPSC_LOG_GROUP: '/aws/ec2/upscpro-stage2-docker',
      UPSC_LOG_REGION: 'eu-central-1',
    })
    expect(problemsOf({containerLogs: 'json-file'})).toContain(
      'stages.stage2.containerLogs: expected "agent" (one stream of Docker\'s JSON lines) or "awslogs" (a stream per compose service)',
    )
  })
})
