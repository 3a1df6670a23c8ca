import {CloudWatchLogsClient, GetLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {getEventListeners} from 'node:events'
import {beforeEach, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../src/aws/clients.js'
import {TokenBucket} from '../../src/aws/rate-budget.js'
import {UpscError} from '../../src/errors/upsc-error.js'
import {ExitCode} from '../../src/errors/exit-codes.js'
import {followOptions} from '../../src/ops/deploy.js'
import {hostResult} from '../../src/outcome/host-result.js'
import {followBackoffMs, followRemote, followTrouble, missingScriptsOf} from '../../src/engine/follow.js'
import {installFailed, runRemote, tooManyErrors} from '../../src/engine/remote-run.js'
import {buildPayload, needScriptsLine} from '../../src/remote/payload.js'
import {parseReport} from '../../src/remote/report-lines.js'
import {sleep} from '../../src/util/sleep.js'
import {deployResult} from '../fixtures/deploy-result.ts'

const ssmMock = mockClient(SSMClient)
const logsMock = mockClient(CloudWatchLogsClient)
const credentials = {accessKeyId: 'a', secretAccessKey: 'b'}
const clients = {
  ssm: async () => new SSMClient({region: 'eu-central-1', credentials}),
  logs: async () => new CloudWatchLogsClient({region: 'eu-central-1', credentials}),
} as unknown as AwsClients

const awsError = (name: string, message = name, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), {name, $metadata: {}, ...extra})
const COMMAND = '0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11'
// A deploy's result as deploy.sh prints it (followOptions checks it against deploy's schema).
const DEPLOYED = deployResult()
const done = {Status: 'Success', ResponseCode: 0, StandardOutputContent: `::upsc result ${JSON.stringify(DEPLOYED)}\n`}

beforeEach(() => {
  ssmMock.reset()
  logsMock.reset()
})

describe('following a deploy through transient AWS errors', () => {
  it("waits out throttling that outlasted the SDK's retries and a connection reset, with a notice, and follows to the end", async () => {
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('Error', 'socket hang up', {code: 'ECONNRESET'}))
      .resolves(done)
    const notices: string[] = []
    const run = await followRemote(clients, COMMAND, ['i-1'], undefined, {onNotice: (t) => notices.push(t)}, undefined, followOptions('stage2', 'deploy'))
    expect(run.runs[0]!.invocation.status).toBe('Success')
    expect(run.runs[0]!.report.result).toEqual(DEPLOYED)
    expect(notices).toEqual([
      'AWS kept throttling the request (ssm:GetCommandInvocation) after retries. Still following; next try in 1 s.',
      'Cannot reach the AWS endpoint (ssm:GetCommandInvocation): socket hang up Still following; next try in 2 s.',
    ])
  })

  it('credentials expired for good: stops following with exit 7, says the deploy goes on, and how to re-attach (never to deploy again)', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('ExpiredTokenException', 'The security token included in the request is expired'))
    const error = await followRemote(clients, COMMAND, ['i-1'], undefined, {}, undefined, followOptions('stage2', 'deploy')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpscError)
    const e = error as UpscError
    expect(e.exitCode).toBe(ExitCode.followLost)
    expect(e.message).toBe(
      `Stopped following Run Command ${COMMAND}: The AWS credentials have expired (ssm:GetCommandInvocation).\nThe deploy goes on on the host; nothing was stopped or started again.`,
    )
    expect(e.hint).toBe(`Refresh them (for SSO: \`aws sso login\`). Then follow it again: upsc deploy --stage stage2 --attach ${COMMAND}`)
    expect(`${e.message} ${e.hint}`).not.toMatch(/try again|upsc deploy --branch/)
    // three tries: the SDK reloads credentials from the profile on each call
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(3)
  })

  it('an expired SSO session stops following at once, with the login command first', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('TokenProviderError', 'The SSO session associated with this profile has expired'))
    const e = (await followRemote(clients, COMMAND, ['i-1', 'i-2'], undefined, {}, undefined, followOptions('stage2', 'rollback')).catch(
      (x: unknown) => x,
    )) as UpscError
    expect(e.exitCode).toBe(ExitCode.followLost)
    expect(e.message).toMatch(/The rollback goes on on the 2 hosts/)
    expect(e.hint).toBe(`Run \`aws sso login\`. Then follow it again: upsc deploy --stage stage2 --attach ${COMMAND}`)
  })

  it('gives up on a throttling streak longer than its patience, still pointing at --attach', async () => {
    ssmMock.on(GetCommandInvocationCommand).rejects(awsError('ThrottlingException'))
    const e = (await followRemote(clients, COMMAND, ['i-1'], undefined, {}, undefined, {...followOptions('s', 'deploy'), patienceMs: 500}).catch(
      (x: unknown) => x,
    )) as UpscError
    expect(e.exitCode).toBe(ExitCode.followLost)
    expect(e.hint).toBe(`Then follow it again: upsc deploy --stage s --attach ${COMMAND}`)
  })

  it('classifies errors: wait out, retry a little, or stop; anything else is not its business', () => {
    const upsc = (code: string, exitCode: 3 | 4 = 3) => new UpscError(code, code, {exitCode})
    expect(followTrouble(upsc('throttled'))).toBe('transient')
    expect(followTrouble(upsc('network'))).toBe('transient')
    expect(followTrouble(awsError('InternalServerError', 'x', {$fault: 'server'}))).toBe('transient')
    expect(followTrouble(upsc('credentials-expired'))).toBe('expired')
    expect(followTrouble(upsc('sso-expired'))).toBe('lost')
    expect(followTrouble(upsc('access-denied'))).toBe('lost')
    expect(followTrouble(upsc('not-managed', 4))).toBeUndefined()
    expect(followTrouble(awsError('InvocationDoesNotExist'))).toBeUndefined()
    expect([1, 2, 3, 4, 5, 6, 7].map(followBackoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })
})

describe('no lasting abort listeners', () => {
  it('sleep removes its abort listener when the time is up', async () => {
    const controller = new AbortController()
    for (let i = 0; i < 20; i++) await sleep(1, controller.signal)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('a long follow (many polls on one signal) leaves no listener and prints no MaxListenersExceededWarning', async () => {
    let polls = 0
    ssmMock.on(GetCommandInvocationCommand).callsFake(() => (++polls < 14 ? {Status: 'InProgress'} : done))
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    const controller = new AbortController()
    try {
      await followRemote(clients, COMMAND, ['i-1'], undefined, {}, controller.signal)
      // warnings are emitted on the next tick
      await new Promise((r) => setImmediate(r))
    } finally {
      process.off('warning', onWarning)
    }
    expect(polls).toBe(14)
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning')
  })
})

describe('GetLogEvents budget', () => {
  it('reads the stream of started invocations only', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Cancelled', ResponseCode: -1})
    let pollsLeft = 6
    ssmMock.on(ListCommandInvocationsCommand).callsFake(() => {
      pollsLeft--
      const status = (running: string, end: string) => (pollsLeft > 0 ? running : end)
      return {
        CommandInvocations: [
          {InstanceId: 'i-1', Status: status('InProgress', 'Success'), CommandPlugins: [{Output: done.StandardOutputContent, ResponseCode: 0}]},
          {InstanceId: 'i-2', Status: status('Pending', 'Cancelled')},
          {InstanceId: 'i-3', Status: status('Delayed', 'Cancelled')},
        ],
      }
    })
    // No stream exists (as before a script prints): every call is spent on nothing but the quota.
    logsMock.on(GetLogEventsCommand).rejects(awsError('ResourceNotFoundException'))
    await followRemote(clients, COMMAND, ['i-1', 'i-2', 'i-3'], '/aws/ssm/AWS-RunShellScript')
    const calls = (id: string) =>
      logsMock.commandCalls(GetLogEventsCommand).filter((c) => c.args[0].input.logStreamName === `${COMMAND}/${id}/aws-runShellScript/stdout`).length
    // i-1 is read on each of the five polls after it started; the others only by the final drain
    // (three looks at most for a stream that never appears).
    expect(calls('i-1')).toBeGreaterThanOrEqual(5)
    expect(calls('i-2')).toBeLessThanOrEqual(3)
    expect(calls('i-3')).toBeLessThanOrEqual(3)
  })

  it('stops reading a stream once its result line is read, though the status turns final later', async () => {
    // As the agent does: the output is all in CloudWatch before it reports the invocation over.
    let polls = 0
    ssmMock.on(GetCommandInvocationCommand).callsFake(() => (++polls < 5 ? {Status: 'InProgress'} : done))
    const stream = `${COMMAND}/i-1/aws-runShellScript/stdout`
    logsMock
      .on(GetLogEventsCommand)
      .resolvesOnce({events: [{message: 'step one', timestamp: 1}], nextForwardToken: 'f/1'})
      .resolvesOnce({events: [], nextForwardToken: 'f/1'})
      .resolvesOnce({events: [{message: `::upsc result ${JSON.stringify(DEPLOYED)}`, timestamp: 2}], nextForwardToken: 'f/2'})
      .resolves({events: [], nextForwardToken: 'f/2'})
    const lines: string[] = []
    const run = await followRemote(
      clients,
      COMMAND,
      ['i-1'],
      '/aws/ssm/AWS-RunShellScript',
      {onLine: (_, l) => lines.push(l.kind)},
      undefined,
      followOptions('stage2', 'deploy'),
    )
    expect(run.runs[0]!).toMatchObject({outputSource: 'cloudwatch', report: {result: DEPLOYED}})
    expect(lines).toEqual(['log', 'result'])
    expect(polls).toBe(5)
    // The first poll reads to the end of what is there (two calls); the next one stops at the result line; none after it.
    expect(logsMock.commandCalls(GetLogEventsCommand).filter((c) => c.args[0].input.logStreamName === stream)).toHaveLength(3)
  })

  it('a token bucket: a burst at once, then one token per 1/rate seconds, shared by every taker', async () => {
    let now = 0
    const waits: number[] = []
    const bucket = new TokenBucket(
      20,
      20,
      () => now,
      async (ms) => {
        waits.push(ms)
        now += ms
      },
    )
    await Promise.all(Array.from({length: 20}, () => bucket.take()))
    expect(waits).toEqual([])
    await bucket.take()
    await bucket.take()
    expect(waits).toEqual([50, 50])
    now += 10_000
    await Promise.all(Array.from({length: 20}, () => bucket.take()))
    expect(waits).toEqual([50, 50])
  })
})

describe('more than 50 instances', () => {
  const ids = Array.from({length: 120}, (_, i) => `i-${String(i).padStart(17, '0')}`)

  /** 120 hosts answering by batch (command c-<batch>); FAILING hosts fail; AWS refuses the commands of the batches (0-based) in REFUSED. */
  function fleet(failing: Set<string> = new Set(), refused: Set<number> = new Set()) {
    ssmMock.on(SendCommandCommand).callsFake((input: {InstanceIds: string[]}) => {
      const batch = ids.indexOf(input.InstanceIds[0]!) / 50
      if (refused.has(batch)) throw awsError('ThrottlingException', 'Rate exceeded')
      return {Command: {CommandId: `c-${batch + 1}`}}
    })
    ssmMock.on(ListCommandInvocationsCommand).callsFake((input: {CommandId: string}) => {
      const batch = Number(input.CommandId.slice(2)) - 1
      return {
        CommandInvocations: ids.slice(batch * 50, batch * 50 + 50).map((id) => ({
          InstanceId: id,
          Status: failing.has(id) ? 'Failed' : 'Success',
          CommandPlugins: [{Output: '::upsc result {}\n', ResponseCode: failing.has(id) ? 1 : 0}],
        })),
      }
    })
    ssmMock
      .on(GetCommandInvocationCommand)
      .callsFake((input: {InstanceId: string}) => ({Status: 'Failed', ResponseCode: 1, StandardOutputContent: `failed on ${input.InstanceId}\n`}))
  }
  const request = {commands: buildPayload('lock', {}), comment: 'c', executionTimeoutSeconds: 60, deliveryTimeoutSeconds: 60}

  it('sends batches of 50 at once without a concurrency limit, and collects every result', async () => {
    fleet()
    const run = await runRemote(clients, {...request, instanceIds: ids, maxErrors: '100%'})
    expect(ssmMock.commandCalls(SendCommandCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([ids.slice(0, 50), ids.slice(50, 100), ids.slice(100)])
    expect(run.commandIds).toEqual(['c-1', 'c-2', 'c-3'])
    expect(run.runs.map((r) => r.instanceId)).toEqual(ids)
    expect(run.runs.every((r) => r.invocation.status === 'Success')).toBe(true)
  })

  it('a rolling run goes batch after batch, and once MaxErrors is passed the rest is not started', async () => {
    fleet(new Set([ids[3]!]))
    const run = await runRemote(clients, {...request, instanceIds: ids, maxConcurrency: '5', maxErrors: '0'})
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1)
    expect(run.runs).toHaveLength(120)
    expect(run.runs[3]!.invocation.status).toBe('Failed')
    expect(run.runs.slice(50).every((r) => r.invocation.status === 'Cancelled' && r.invocation.statusDetails === 'Terminated')).toBe(true)
  })

  it('a batch AWS refuses (SendCommand throttled past the retries): the others are followed to their end, its hosts not started with the reason', async () => {
    fleet(new Set(), new Set([1]))
    const run = await runRemote(clients, {...request, instanceIds: ids, maxErrors: '100%'})
    expect(run.commandIds).toEqual(['c-1', 'c-3'])
    expect(run.runs.map((r) => r.instanceId)).toEqual(ids)
    const results = run.runs.map((r) => hostResult(r))
    expect(results.slice(0, 50).every((h) => h.outcome === 'succeeded')).toBe(true)
    expect(results.slice(100).every((h) => h.outcome === 'succeeded')).toBe(true)
    expect(new Set(results.slice(50, 100).map((h) => `${h.outcome} ${h.exitCode}: ${h.reason}`))).toEqual(
      new Set(['not-started 1: not sent: AWS kept throttling the request (ssm:SendCommand) after retries.']),
    )
  })

  it('rolling: a refused batch stops the run there; the batches before it keep their results; every batch refused is the error itself', async () => {
    fleet(new Set(), new Set([1]))
    const run = await runRemote(clients, {...request, instanceIds: ids, maxConcurrency: '50', maxErrors: '100%'})
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(2)
    const results = run.runs.map((r) => hostResult(r))
    expect(results.slice(0, 50).every((h) => h.outcome === 'succeeded')).toBe(true)
    expect(results[50]).toMatchObject({outcome: 'not-started', reason: 'not sent: AWS kept throttling the request (ssm:SendCommand) after retries.'})
    expect(results[100]).toMatchObject({
      outcome: 'not-started',
      reason: "not sent: the rolling run stopped when AWS refused an earlier batch's command: AWS kept throttling the request (ssm:SendCommand) after retries.",
    })

    ssmMock.reset()
    fleet(new Set(), new Set([0, 1, 2]))
    await expect(runRemote(clients, {...request, instanceIds: ids, maxConcurrency: '50'})).rejects.toMatchObject({
      code: 'throttled',
      exitCode: ExitCode.awsAccess,
    })
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1)
    ssmMock.reset()
    fleet(new Set(), new Set([0, 1, 2]))
    await expect(runRemote(clients, {...request, instanceIds: ids})).rejects.toMatchObject({code: 'throttled'})
  })

  it('MaxErrors across batches: a number counts failures, a percentage counts them against the hosts seen', () => {
    expect(tooManyErrors('0', 0, 50)).toBe(false)
    expect(tooManyErrors('0', 1, 50)).toBe(true)
    expect(tooManyErrors('2', 2, 100)).toBe(false)
    expect(tooManyErrors('10%', 10, 100)).toBe(false)
    expect(tooManyErrors('10%', 11, 100)).toBe(true)
  })
})

const sha = 'c0ffee'.repeat(10) + 'c0ff'

describe('missing cached scripts', () => {
  it("reads the loader's need-scripts line, and nothing else", () => {
    expect(missingScriptsOf(parseReport(`${needScriptsLine(sha)}\n`))).toBe(sha)
    expect(missingScriptsOf(parseReport('::upsc step lock start\n::upsc result {}\n'))).toBeUndefined()
    expect(missingScriptsOf(parseReport(`${needScriptsLine('not-a-sha')}\n`))).toBeUndefined()
    expect(missingScriptsOf(parseReport(`echo ${needScriptsLine(sha)}\n`))).toBeUndefined()
  })

  it("an install's AWS error names the hosts left without their scripts and keeps its code, exit code and advice; anything else passes through", () => {
    const throttled = new UpscError('throttled', 'AWS kept throttling the request (ssm:SendCommand) after retries.', {
      exitCode: ExitCode.awsAccess,
      hint: 'Wait a minute and try again.',
    })
    const one = installFailed(throttled, ['i-0aaaaaaaaaaaaaaaa'])
    expect(one).toBeInstanceOf(UpscError)
    expect(one).toMatchObject({
      code: 'throttled',
      exitCode: ExitCode.awsAccess,
      hint: 'Wait a minute and try again.',
      cause: throttled,
      message:
        "Could not install upsc's host scripts on i-0aaaaaaaaaaaaaaaa: AWS kept throttling the request (ssm:SendCommand) after retries. The command did not run there: it found the scripts missing and changed nothing.",
    })
    expect((installFailed(throttled, ['i-0aaaaaaaaaaaaaaaa', 'i-0bbbbbbbbbbbbbbbb']) as Error).message).toMatch(
      /^Could not install upsc's host scripts on 2 hosts \(i-0aaaaaaaaaaaaaaaa, i-0bbbbbbbbbbbbbbbb\): /,
    )
    const bug = new TypeError('x is undefined')
    expect(installFailed(bug, ['i-0aaaaaaaaaaaaaaaa'])).toBe(bug)
  })

  it('a host that ran nothing for lack of its scripts is a failure with a reason, though the loader exited 0', () => {
    const report = parseReport(`${needScriptsLine(sha)}\n`)
    const result = hostResult({
      instanceId: 'i-0aaaaaaaaaaaaaaaa',
      invocation: {
        instanceId: 'i-0aaaaaaaaaaaaaaaa',
        status: 'Success',
        outcome: 'failed',
        responseCode: 1,
        stdout: `${needScriptsLine(sha)}\n`,
        stderr: '',
        stdoutTruncated: false,
      },
      report: {
        ...report,
        warnings: ['could not install the host scripts: upsc: cannot install host scripts in /opt/upscpro/.upsc/scripts: cannot write chunk 2'],
      },
      outputSource: 'invocation',
      missingScripts: sha,
    })
    expect(result).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      reason: 'the host scripts were missing from its script cache: nothing ran there (see the warnings)',
      warnings: ['could not install the host scripts: upsc: cannot install host scripts in /opt/upscpro/.upsc/scripts: cannot write chunk 2'],
    })
  })
})
