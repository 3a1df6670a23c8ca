import {GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import {commandInstanceIds} from '../../src/aws/command-instances.js'
import {completePluginOutput, pollDelayMs, pollInvocations, pollWaitMs, sendCommand} from '../../src/aws/run-command.js'
import {describeOutcome, outcomeOf} from '../../src/outcome/invocation.js'
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

describe('pollWaitMs', () => {
  it('waits 15 % of the time the command has run, from 100 ms up to 400 ms', () => {
    expect([0, 400, 667, 1000, 1334, 2000, 2600, 2700, 60_000].map((ms) => pollWaitMs(ms))).toEqual([100, 100, 100, 150, 200, 300, 390, 400, 400])
  })

  it("once every open host's result line is read, starts again from the short end of the schedule, never waiting longer than before", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => pollWaitMs(60_000, n))).toEqual([100, 100, 150, 200, 250, 300, 400, 400])
    expect(pollWaitMs(1000, 4)).toBe(150)
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

describe("pollInvocations (one poll; the loop is the engine's: test/engine/follow.test.ts)", () => {
  beforeEach(() => ssmMock.reset())

  it('tolerates InvocationDoesNotExist within the grace period after sending', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('InvocationDoesNotExist'))
    const known = new Map()
    await pollInvocations(client(), 'c-1', ['i-1'], known, Date.now())
    expect(known.size).toBe(0)
  })

  it('gives up on InvocationDoesNotExist after the grace period', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('InvocationDoesNotExist'))
    await expect(pollInvocations(client(), 'c-1', ['i-1'], new Map(), Date.now() - 301, 300)).rejects.toMatchObject({name: 'InvocationDoesNotExist'})
  })

  it('maps throttling that outlasts retries to an AWS access error', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'))
    const error = await pollInvocations(client(), 'c-1', ['i-1'], new Map(), Date.now()).catch((e: unknown) => e)
    expect(error).toMatchObject({code: 'throttled', exitCode: 3})
  })
})

describe('commandInstanceIds', () => {
  beforeEach(() => ssmMock.reset())

  it("reads every page of the command's invocations", async () => {
    ssmMock
      .on(ListCommandInvocationsCommand)
      .resolvesOnce({CommandInvocations: [{InstanceId: 'i-1'}, {InstanceId: 'i-2'}], NextToken: 't'})
      .resolvesOnce({CommandInvocations: [{InstanceId: 'i-3'}]})
    expect(await commandInstanceIds(client(), 'c-1')).toEqual(['i-1', 'i-2', 'i-3'])
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
