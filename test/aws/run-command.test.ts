import {GetCommandInvocationCommand, SendCommandCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {completePluginOutput, describeOutcome, outcomeOf, pollDelayMs, sendCommand, waitForCommand} from '../../src/aws/run-command.js'
import {UpscError} from '../../src/errors/upsc-error.js'

const ssmMock = mockClient(SSMClient)
const client = () => new SSMClient({region: 'eu-central-1', credentials: {accessKeyId: 'a', secretAccessKey: 'b'}})

const awsError = (name: string, message = name) => Object.assign(new Error(message), {name, $metadata: {}})

describe('outcomeOf / describeOutcome', () => {
  it.each([
    ['Pending', undefined, 'running', 1],
    ['InProgress', undefined, 'running', 1],
    ['Delayed', undefined, 'running', 1],
    ['Success', undefined, 'succeeded', 0],
    ['Failed', undefined, 'failed', 1],
    ['TimedOut', 'Execution Timed Out', 'timed-out', 1],
    ['TimedOut', 'Delivery Timed Out', 'delivery-timed-out', 4],
    ['Cancelled', undefined, 'cancelled', 1],
    ['Cancelling', undefined, 'cancelled', 1],
    ['Undeliverable', undefined, 'undeliverable', 4],
    ['Terminated', undefined, 'terminated', 4],
  ])('%s (%s) -> %s, exit %i', (status, details, outcome, exitCode) => {
    expect(outcomeOf(status, details)).toBe(outcome)
    expect(describeOutcome(outcomeOf(status, details), 1).exitCode).toBe(exitCode)
  })

  it("keeps the script's own exit code for a failure (5 rolled back, 6 lock held)", () => {
    expect(describeOutcome('failed', 5).exitCode).toBe(5)
    expect(describeOutcome('failed', 6).exitCode).toBe(6)
    expect(describeOutcome('failed', 137).exitCode).toBe(1)
  })
})

describe('pollDelayMs', () => {
  it('starts fast and never waits more than 400 ms', () => {
    expect(pollDelayMs(0)).toBe(100)
    for (let i = 0; i < 1000; i++) expect(pollDelayMs(i)).toBeLessThanOrEqual(400)
  })
})

describe('sendCommand', () => {
  beforeEach(() => ssmMock.reset())

  it('sends AWS-RunShellScript with timeouts, comment and CloudWatch output', async () => {
    ssmMock.on(SendCommandCommand).resolves({Command: {CommandId: 'c-1'}})
    const id = await sendCommand(client(), {
      instanceIds: ['i-0123456789abcdef0'],
      commands: ['echo hi'],
      comment: 'upsc deploy stage2 feature-x',
      workingDirectory: '/opt/upscpro/upscapp-be',
      executionTimeoutSeconds: 1800,
      deliveryTimeoutSeconds: 600,
      cloudWatchLogGroup: '/aws/ssm/AWS-RunShellScript',
    })
    expect(id).toBe('c-1')
    expect(ssmMock.commandCalls(SendCommandCommand)[0]!.args[0].input).toEqual({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: ['i-0123456789abcdef0'],
      Comment: 'upsc deploy stage2 feature-x',
      TimeoutSeconds: 600,
      Parameters: {commands: ['echo hi'], executionTimeout: ['1800'], workingDirectory: ['/opt/upscpro/upscapp-be']},
      CloudWatchOutputConfig: {CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/aws/ssm/AWS-RunShellScript'},
    })
  })

  it('turns InvalidInstanceId into an "unreachable" error (exit 4) with what to check', async () => {
    ssmMock.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'Instances not in a valid state'))
    const error = await sendCommand(client(), {
      instanceIds: ['i-0123456789abcdef0'],
      commands: ['true'],
      comment: 'x',
      executionTimeoutSeconds: 60,
      deliveryTimeoutSeconds: 30,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpscError)
    expect((error as UpscError).exitCode).toBe(4)
    expect((error as UpscError).hint).toContain('SSM agent')
  })
})

describe('waitForCommand', () => {
  beforeEach(() => ssmMock.reset())

  it('survives InvocationDoesNotExist right after sending, then follows to the end', async () => {
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(awsError('InvocationDoesNotExist'))
      .resolvesOnce({Status: 'InProgress'})
      .resolves({Status: 'Success', ResponseCode: 0, StandardOutputContent: 'done\n'})
    const [result] = await waitForCommand(client(), 'c-1', ['i-1'])
    expect(result).toMatchObject({instanceId: 'i-1', status: 'Success', outcome: 'succeeded', responseCode: 0, stdout: 'done\n', stdoutTruncated: false})
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(3)
  })

  it('gives up on InvocationDoesNotExist after the grace period', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('InvocationDoesNotExist'))
    await expect(waitForCommand(client(), 'c-1', ['i-1'], {appearGraceMs: 300})).rejects.toMatchObject({name: 'InvocationDoesNotExist'})
  })

  it('reports Undeliverable as unreachable', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Undeliverable', ResponseCode: -1})
    const [result] = await waitForCommand(client(), 'c-1', ['i-1'])
    expect(result!.outcome).toBe('undeliverable')
    expect(describeOutcome(result!.outcome, result!.responseCode).exitCode).toBe(4)
  })

  it('flags output cut at 24,000 characters', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Success', ResponseCode: 0, StandardOutputContent: 'x'.repeat(24_000)})
    const [result] = await waitForCommand(client(), 'c-1', ['i-1'])
    expect(result!.stdoutTruncated).toBe(true)
  })

  it('stops following when aborted and reports the command as still running', async () => {
    const controller = new AbortController()
    // Aborted while following: once the command has been seen running.
    let polls = 0
    ssmMock.on(GetCommandInvocationCommand).callsFake(() => {
      if (++polls === 2) controller.abort()
      return {Status: 'InProgress'}
    })
    const [result] = await waitForCommand(client(), 'c-1', ['i-1'], {signal: controller.signal})
    expect(polls).toBeGreaterThanOrEqual(2)
    expect(result!.outcome).toBe('running')
  })

  it('maps throttling that outlasts retries to an AWS access error', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'))
    const error = await waitForCommand(client(), 'c-1', ['i-1']).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'throttled', exitCode: 3})
  })
})

describe('completePluginOutput', () => {
  it('takes a short output whole', () => {
    expect(completePluginOutput('::upsc result {}\n')).toEqual({stdout: '::upsc result {}\n', stderr: ''})
  })

  it('splits stdout from stderr', () => {
    expect(completePluginOutput('out\n\n----------ERROR-------\nerr\n')).toEqual({stdout: 'out\n', stderr: 'err\n'})
  })

  it('refuses a cut or long output (GetCommandInvocation reads it)', () => {
    expect(completePluginOutput('x'.repeat(2450))).toBeUndefined()
    expect(completePluginOutput('abc\n---Output truncated---')).toBeUndefined()
    expect(completePluginOutput(undefined)).toBeUndefined()
  })
})
