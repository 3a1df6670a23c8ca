import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  StartLiveTailCommand,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs'
import {mockClient} from 'aws-sdk-client-mock'
import {afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest'

import {tailLogs, type TailRequest} from '../../src/ops/log-tail.js'
import {UpscError} from '../../src/errors/upsc-error.js'
import type {LogEvent} from '../../src/logs/event.js'

const logsMock = mockClient(CloudWatchLogsClient)
const client = () => new CloudWatchLogsClient({region: 'eu-central-1', credentials: {accessKeyId: 'a', secretAccessKey: 'b'}})
const awsError = (name: string, message = name) => Object.assign(new Error(message), {name, $metadata: {httpStatusCode: 400}})

const G = '/aws/ec2/upscpro-stage2-docker'
const G2 = '/aws/ssm/AWS-RunShellScript'

interface Stored {
  stream: string
  timestamp: number
  message: string
  eventId: string
}

/**
 * A FilterLogEvents that behaves like moto: sorted by time, `limit` per page, exact
 * logStreamNames, logStreamNamePrefix ignored, words matched as the filter pattern.
 */
class FakeService {
  readonly groups = new Map<string, Stored[]>()
  readonly calls: FilterLogEventsCommandInput[] = []
  private nextId = 1
  /** Errors thrown by the next calls, in order. */
  failures: Error[] = []

  put(group: string, stream: string, timestamp: number, message: string): void {
    if (!this.groups.has(group)) this.groups.set(group, [])
    this.groups.get(group)!.push({stream, timestamp, message, eventId: String(this.nextId++)})
  }

  filter(input: FilterLogEventsCommandInput) {
    this.calls.push(input)
    const failure = this.failures.shift()
    if (failure) throw failure
    const stored = this.groups.get(input.logGroupName!)
    if (!stored) throw awsError('ResourceNotFoundException', 'The specified log group does not exist.')
    const list = stored
      .filter((e) => !input.logStreamNames || input.logStreamNames.includes(e.stream))
      .filter((e) => e.timestamp >= (input.startTime ?? 0) && (input.endTime === undefined || e.timestamp <= input.endTime))
      .filter((e) => !input.filterPattern || e.message.includes(input.filterPattern))
      .sort((a, b) => a.timestamp - b.timestamp)
    const from = Number(input.nextToken ?? 0)
    const limit = input.limit ?? 10_000
    const page = list.slice(from, from + limit)
    return {
      events: page.map((e) => ({logStreamName: e.stream, timestamp: e.timestamp, message: e.message, eventId: e.eventId, ingestionTime: e.timestamp + 5})),
      nextToken: from + limit < list.length ? String(from + limit) : undefined,
    }
  }
}

function collector() {
  const batches: LogEvent[][] = []
  const notices: string[] = []
  return {
    batches,
    notices,
    events: () => batches.flat(),
    messages: () => batches.flat().map((e) => e.message),
    sink: {onEvents: (events: LogEvent[]) => void batches.push(events), onNotice: (text: string) => void notices.push(text)},
  }
}

let fake: FakeService
// tailLogs loads the SDK lazily. Loaded here, that import settles at once, inside the fake-timer
// steps below, as it does after any earlier test; loaded under fake timers, it would finish
// after the steps have already run, and a test run alone would see nothing happen.
beforeAll(async () => {
  await import('../../src/aws/sdk/logs.js')
})
beforeEach(() => {
  logsMock.reset()
  fake = new FakeService()
  logsMock.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => fake.filter(input))
})

describe('printing a range', () => {
  it('pages through one source, sending what moto and the service need, printing page by page', async () => {
    for (let i = 0; i < 25_000; i++) fake.put(G, i % 2 ? 'app/api' : 'app/worker', 1000 + i, `e${i}`)
    fake.put(G, 'other/x', 1500, 'not selected')
    const out = collector()
    const summary = await tailLogs(client(), {sources: [{group: G, prefix: 'app/'}], start: 1000, end: 99_999, filterPattern: 'e', follow: false}, out.sink)
    expect(summary).toEqual({events: 25_000, mode: 'range'})
    expect(out.messages()).toEqual(Array.from({length: 25_000}, (_, i) => `e${i}`))
    // The prefix is sent for the service and checked here for moto, which ignores it.
    expect(out.messages()).not.toContain('not selected')
    expect(fake.calls[0]).toEqual({
      logGroupName: G,
      startTime: 1000,
      endTime: 99_999,
      filterPattern: 'e',
      interleaved: true,
      limit: 4000,
      logStreamNamePrefix: 'app/',
    })
    // Page by page: no batch is bigger than a page.
    expect(Math.max(...out.batches.map((b) => b.length))).toBeLessThanOrEqual(4000)
  })

  it('cuts a long range into time slices after the first page, and prints them in order', async () => {
    for (let i = 0; i < 40_000; i++) fake.put(G, `s${i % 3}`, 10_000 + i * 2, `e${i}`)
    const out = collector()
    await tailLogs(client(), {sources: [{group: G}], start: 0, end: 100_000, follow: false}, out.sink)
    expect(out.messages()).toEqual(Array.from({length: 40_000}, (_, i) => `e${i}`))
    const sliced = fake.calls.filter((c) => c.endTime !== undefined && c.endTime < 100_000)
    expect(sliced.length).toBeGreaterThanOrEqual(5)
    // About one request per page: 10 pages of 4,000 events, plus a few for the cuts.
    expect(fake.calls.length).toBeLessThanOrEqual(16)
  })

  it('cuts again a slice denser than its first page said (a burst in a long range)', async () => {
    for (let i = 0; i < 2000; i++) fake.put(G, 's', i * 50, `quiet ${i}`)
    for (let i = 0; i < 30_000; i++) fake.put(G, 's', 200_000 + Math.floor(i / 10), `burst ${i}`)
    const out = collector()
    await tailLogs(client(), {sources: [{group: G}], start: 0, end: 10_000_000, follow: false}, out.sink)
    expect(out.messages()).toEqual([...Array.from({length: 2000}, (_, i) => `quiet ${i}`), ...Array.from({length: 30_000}, (_, i) => `burst ${i}`)])
    // 8 pages' worth; an empty stretch of 10,000 s costs a few requests, not hundreds.
    expect(fake.calls.length).toBeLessThanOrEqual(16)
  })

  it('merges several groups and sources into one time-ordered output', async () => {
    for (let i = 0; i < 3000; i++) fake.put(G, 'i-1/deploy', i * 3, `a${i * 3}`)
    for (let i = 0; i < 2000; i++) fake.put(G2, 'c/i-1/aws-runShellScript/stdout', i * 5 + 1, `b${i * 5 + 1}`)
    const out = collector()
    await tailLogs(client(), {sources: [{group: G, names: ['i-1/deploy']}, {group: G2}], start: 0, end: 20_000, follow: false}, out.sink)
    const events = out.events()
    expect(events).toHaveLength(5000)
    expect(events.map((e) => e.timestamp)).toEqual(events.map((e) => e.timestamp).sort((a, b) => a - b))
    expect(new Set(events.map((e) => e.group))).toEqual(new Set([G, G2]))
  })

  it('asks again with the streams that exist when a named one does not exist yet', async () => {
    fake.put(G, 'i-1/deploy', 5, 'deployed')
    fake.failures = [awsError('ResourceNotFoundException', 'The specified log stream does not exist.')]
    logsMock.on(DescribeLogStreamsCommand).callsFake((input: {logStreamNamePrefix: string}) => ({
      logStreams: input.logStreamNamePrefix === 'i-1/deploy' ? [{logStreamName: 'i-1/deploy'}] : [{logStreamName: `${input.logStreamNamePrefix}-other`}],
    }))
    const out = collector()
    await tailLogs(client(), {sources: [{group: G, names: ['i-1/deploy', 'i-2/deploy']}], start: 0, follow: false}, out.sink)
    expect(out.messages()).toEqual(['deployed'])
    expect(fake.calls.map((c) => c.logStreamNames)).toEqual([['i-1/deploy', 'i-2/deploy'], ['i-1/deploy']])
  })

  it('fails with exit 1 when no group exists, and only notes a missing group among others', async () => {
    const error = await tailLogs(client(), {sources: [{group: '/nope'}], start: 0, follow: false}, collector().sink).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UpscError)
    expect((error as UpscError).exitCode).toBe(1)
    expect((error as UpscError).message).toBe('Log group /nope does not exist.')

    fake.put(G, 's', 1, 'here')
    const out = collector()
    await tailLogs(client(), {sources: [{group: G}, {group: '/nope'}], start: 0, follow: false}, out.sink)
    expect(out.messages()).toEqual(['here'])
    expect(out.notices).toEqual(['Log group /nope does not exist.'])
  })
})

describe('waiting out throttling', () => {
  beforeEach(() => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']})
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps following through throttling and network errors, with a one-line notice each time', async () => {
    vi.setSystemTime(1_000_000)
    fake.put(G, 's', 999_000, 'before')
    const out = collector()
    const stop = new AbortController()
    const done = tailLogs(client(), {sources: [{group: G}], start: 990_000, follow: true}, out.sink, stop.signal)
    await vi.advanceTimersByTimeAsync(0)
    expect(out.messages()).toEqual(['before'])

    fake.failures = [
      awsError('ThrottlingException', 'Rate exceeded'),
      Object.assign(new Error('read ECONNRESET'), {code: 'ECONNRESET'}),
      awsError('ThrottlingException'),
    ]
    fake.put(G, 's', 1_000_100, 'during')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(out.notices).toEqual([
      'CloudWatch Logs is throttling requests (ThrottlingException); retrying in 1 s.',
      'CloudWatch Logs cannot be reached (Error); retrying in 2 s.',
      'CloudWatch Logs is throttling requests (ThrottlingException); retrying in 4 s.',
    ])
    expect(out.messages()).toEqual(['before', 'during'])

    fake.put(G, 's', Date.now(), 'after')
    await vi.advanceTimersByTimeAsync(2500)
    expect(out.messages()).toEqual(['before', 'during', 'after'])
    stop.abort()
    await expect(done).resolves.toEqual({events: 3, mode: 'poll'})
  })

  it("leaves a range's retries to the SDK: throttling that outlasted them is an AWS access error (exit 3), with no retry of its own", async () => {
    // The mocked client has no retry middleware: one throttled answer stands for the SDK's retries spent
    // (test/aws/log-events.test.ts shows the real client retrying).
    fake.failures = Array.from({length: 6}, () => awsError('ThrottlingException'))
    const out = collector()
    const done = tailLogs(client(), {sources: [{group: G}], start: 0, follow: false}, out.sink).catch((e: unknown) => e)
    await vi.advanceTimersByTimeAsync(60_000)
    const error = (await done) as UpscError
    expect(error.code).toBe('throttled')
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe('AWS kept throttling the request (logs:FilterLogEvents) after retries.')
    expect(fake.calls).toHaveLength(1)
    expect(out.notices).toEqual([])
  })
})

describe('following', () => {
  beforeEach(() => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']})
    vi.setSystemTime(2_000_000)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('picks up new events, prints each once, and still shows a late one with an older timestamp', async () => {
    fake.put(G, 'a', 1_990_000, 'old')
    const out = collector()
    const stop = new AbortController()
    const done = tailLogs(client(), {sources: [{group: G}], start: 1_900_000, follow: true}, out.sink, stop.signal)
    await vi.advanceTimersByTimeAsync(0)
    fake.put(G, 'a', Date.now(), 'new 1')
    await vi.advanceTimersByTimeAsync(600)
    fake.put(G, 'b', Date.now(), 'new 2')
    await vi.advanceTimersByTimeAsync(600)
    // Shipped late: its timestamp is before everything printed so far but 'old'.
    fake.put(G, 'c', Date.now() - 5000, 'late by 5 s')
    await vi.advanceTimersByTimeAsync(2000)
    // Much later still: found by the 3-minute sweep every 10 s.
    fake.put(G, 'c', Date.now() - 90_000, 'late by 90 s')
    await vi.advanceTimersByTimeAsync(12_000)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(out.messages()).toEqual(['old', 'new 1', 'new 2', 'late by 5 s', 'late by 90 s'])
    stop.abort()
    await expect(done).resolves.toEqual({events: 5, mode: 'poll'})
  })

  it('polls every 0.5 s while events flow and every 2 s at most when idle', async () => {
    const stop = new AbortController()
    fake.put(G, 'a', 1_999_000, 'x')
    const done = tailLogs(client(), {sources: [{group: G}], start: 1_990_000, follow: true}, collector().sink, stop.signal)
    await vi.advanceTimersByTimeAsync(20_000)
    const times: number[] = []
    logsMock.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
      times.push(Date.now())
      return fake.filter(input)
    })
    await vi.advanceTimersByTimeAsync(10_000)
    const idleGaps = times.slice(1).map((t, i) => t - times[i]!)
    // 10 s idle at 2 s a poll: four gaps at least, each exactly 2 s.
    expect(idleGaps.length).toBeGreaterThanOrEqual(4)
    expect(idleGaps.every((gap) => gap === 2000)).toBe(true)
    times.length = 0
    for (let i = 0; i < 6; i++) {
      fake.put(G, 'a', Date.now(), `flow ${i}`)
      await vi.advanceTimersByTimeAsync(500)
    }
    const flowingGaps = times.slice(1).map((t, i) => t - times[i]!)
    // The first poll after the idle wait finds events; the ones after it come quickly.
    expect(flowingGaps.length).toBeGreaterThanOrEqual(2)
    expect(Math.max(...flowingGaps)).toBeLessThanOrEqual(1000)
    stop.abort()
    await done
  })

  it('waits for a group that does not exist yet, saying so once', async () => {
    const out = collector()
    const stop = new AbortController()
    const done = tailLogs(client(), {sources: [{group: G}], start: 1_990_000, follow: true}, out.sink, stop.signal)
    await vi.advanceTimersByTimeAsync(15_000)
    expect(out.notices).toEqual([`Log group ${G} does not exist yet; waiting for it.`])
    fake.put(G, 's', Date.now(), 'first line')
    await vi.advanceTimersByTimeAsync(11_000)
    expect(out.messages()).toEqual(['first line'])
    stop.abort()
    await done
  })
})

describe('Live Tail', () => {
  const liveEvent = (stream: string, timestamp: number, message: string, group = G) => ({
    logGroupIdentifier: `arn:aws:logs:eu-central-1:123456789012:log-group:${group}`,
    logStreamName: stream,
    timestamp,
    message,
    ingestionTime: timestamp + 10,
  })

  it('prints the range, then what the session pushes, without the events the range already printed', async () => {
    const now = Date.now()
    fake.put(G, 'app/api', now - 60_000, 'from the range')
    fake.put(G, 'app/api', now - 10, 'at the switch')
    // Also stored, so that polling after the session finds it again (with an id Live Tail did not give).
    fake.put(G, 'app/api', now + 5, 'live 1')
    let request: unknown
    async function* stream(): AsyncGenerator<StartLiveTailResponseStream> {
      yield {sessionStart: {sessionId: 's-1'}}
      yield {
        sessionUpdate: {
          sessionMetadata: {sampled: false},
          sessionResults: [liveEvent('app/api', now - 10, 'at the switch'), liveEvent('app/api', now + 5, 'live 1')],
        },
      }
      yield {
        sessionUpdate: {
          sessionMetadata: {sampled: true},
          sessionResults: [liveEvent('other/x', now + 6, 'not selected'), liveEvent('app/api', now + 7, 'live 2')],
        },
      }
      yield {SessionTimeoutException: {message: 'Session timed out after 3 hours'}}
    }
    logsMock.on(StartLiveTailCommand).callsFake((input: unknown) => {
      request = input
      return {responseStream: stream()}
    })
    const out = collector()
    const stop = new AbortController()
    // Let polling run a moment after the session ends, then stop.
    const notice = out.sink.onNotice
    out.sink.onNotice = (text) => {
      notice(text)
      if (text.startsWith('Live Tail ended')) setTimeout(() => stop.abort(), 300)
    }
    const arn = `arn:aws:logs:eu-central-1:123456789012:log-group:${G}`
    const summary = await tailLogs(
      client(),
      {sources: [{group: G, prefix: 'app/'}], start: now - 300_000, follow: true, live: {groupArns: [arn]}},
      out.sink,
      stop.signal,
    )
    expect(request).toEqual({logGroupIdentifiers: [arn], logStreamNamePrefixes: ['app/']})
    expect(out.messages()).toEqual(['from the range', 'at the switch', 'live 1', 'live 2'])
    expect(out.notices).toEqual([
      'Live Tail is sampling: more than 500 events per second match; some are not shown.',
      'Live Tail ended: the session timed out (Session timed out after 3 hours); following by polling instead.',
    ])
    expect(summary).toEqual({events: 4, mode: 'poll'})
    expect(fake.calls.length).toBeGreaterThan(1)
  })

  it('falls back to polling, with a notice, when Live Tail is not available', async () => {
    logsMock.on(StartLiveTailCommand).rejects(awsError('UnknownOperationException', 'StartLiveTail is not supported'))
    const now = Date.now()
    fake.put(G, 's', now - 1000, 'polled')
    const out = collector()
    const stop = new AbortController()
    out.sink.onEvents = (events) => {
      out.batches.push(events)
      stop.abort()
    }
    const summary = await tailLogs(client(), {sources: [{group: G}], start: now - 60_000, follow: true, live: {groupArns: ['arn:x']}}, out.sink, stop.signal)
    expect(out.notices).toEqual(['Live Tail is not available (UnknownOperationException: StartLiveTail is not supported); following by polling instead.'])
    expect(out.messages()).toEqual(['polled'])
    expect(summary.mode).toBe('poll')
  })

  it('says why when Live Tail cannot even be asked for', async () => {
    const out = collector()
    const stop = new AbortController()
    stop.abort()
    const request: TailRequest = {sources: [{group: G}], start: 0, follow: true, live: {unavailable: 'it takes at most 10 log groups'}}
    await tailLogs(client(), request, out.sink, stop.signal)
    expect(out.notices).toEqual(['Live Tail is not available (it takes at most 10 log groups); following by polling instead.'])
  })
})
