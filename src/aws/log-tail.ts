/**
 * Reading and following CloudWatch Logs with FilterLogEvents (and Live Tail when asked).
 *
 * - A range is printed page by page, never held whole. A long range is cut into time slices read
 *   a few at once and printed in order; several groups or stream selections are merged in time
 *   order holding about one page each.
 * - Following polls every 0.5 s while events flow, backing off to 2 s when idle. Each poll
 *   re-reads a trailing window (20 s, and 3 min every 10 s) so that events shipped late with older
 *   timestamps still show, and drops what was already printed by event id, in bounded memory.
 * - Throttling, 5xx and network errors are waited out with a one-line notice; following never
 *   gives up on them.
 * - Live Tail (StartLiveTail) pushes events as they are ingested; when it is unavailable or ends,
 *   following falls back to polling with a notice.
 * All decisions (times, slices, merging, dedup, delays) are pure functions in ../logs/.
 */
import type {CloudWatchLogsClient, FilterLogEventsCommandInput, StartLiveTailResponseStream} from '@aws-sdk/client-cloudwatch-logs'

import {UpscError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import {contentKey, DedupWindow, idKey} from '../logs/dedup.js'
import {type LogEvent, type LogSource, streamFilter} from '../logs/event.js'
import {mergeByTime, mergeStep} from '../logs/merge.js'
import {backoffMs, FOLLOW, nextDelay, pollStart, transientReason} from '../logs/follow-policy.js'
import {groupFromIdentifier} from '../logs/sources.js'
import {planSlices} from '../logs/slices.js'
import {mapPool} from '../util/pool.js'
import {describeAwsError} from './errors.js'
import {sleep} from '../util/sleep.js'

/**
 * Events per FilterLogEvents page. The API allows 10,000 (and stops at 1 MB, about 4,000 events
 * of 250 bytes); smaller pages keep the SDK's copies of each page small while slices are read.
 */
const PAGE_LIMIT = 4000
/** Slices of one range read at once (FilterLogEvents' default quota is a few requests a second). */
const SLICE_CONCURRENCY = 2
/** Retries of a throttled or failed request when printing a range; following never gives up. */
const RANGE_RETRIES = 5
/** Live Tail events held while the range before them is printed. */
const LIVE_QUEUE_MAX = 50_000

export interface TailSink {
  /** A batch in time order; awaited, so a slow reader slows the reading (bounded memory). */
  onEvents(events: LogEvent[]): void | Promise<void>
  /** A one-line notice for the user (stderr): throttling, a missing group, a fallback. */
  onNotice(text: string): void
}

export interface TailRequest {
  sources: LogSource[]
  start: number
  /** Inclusive; undefined: up to now. */
  end?: number
  filterPattern?: string
  follow: boolean
  /** Follow with Live Tail: each group's ARN; or why Live Tail cannot be used (falls back to polling). */
  live?: {groupArns: string[]} | {unavailable: string}
}

export interface TailSummary {
  events: number
  /** How the end of the output was read: a range only, by polling, or with Live Tail. */
  mode: 'range' | 'poll' | 'live'
}

interface Context {
  logs: CloudWatchLogsClient
  filterPattern?: string
  signal?: AbortSignal
  notice: (text: string) => void
  follow: boolean
  maxRetries: number
}

const sdk = () => import('./sdk/logs.js')

const errorName = (error: unknown) => (error as {name?: string})?.name ?? 'Error'

/** A request, with throttling, 5xx and network errors waited out (with a notice each time). */
async function withRetry<T>(ctx: Context, call: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; ) {
    try {
      return await call()
    } catch (error) {
      const reason = ctx.signal?.aborted ? undefined : transientReason(error)
      if (!reason || failures >= ctx.maxRetries) throw error
      failures++
      const wait = backoffMs(failures)
      const what = reason === 'throttled' ? 'is throttling requests' : reason === 'unavailable' ? 'is unavailable' : 'cannot be reached'
      ctx.notice(`CloudWatch Logs ${what} (${errorName(error)}); retrying in ${wait / 1000} s.`)
      await sleep(wait, ctx.signal)
      if (ctx.signal?.aborted) throw error
    }
  }
}

interface Page {
  /** The events of the selected streams. */
  events: LogEvent[]
  /** Events the service returned (before the client-side stream check). */
  returned: number
  /** Timestamps of the first and last returned events. */
  first?: number
  last?: number
  /** Set when more is to come. */
  nextToken?: string
}

/**
 * One source's FilterLogEvents queries. Remembers whether its group exists and which of its
 * exact stream names do: the service refuses a query naming a stream that does not exist yet
 * (the {instance_id}/deploy stream appears with the first deploy).
 */
class SourceReader {
  private names?: string[]
  private missing?: 'group' | 'streams'
  /** The user was told the group is missing. */
  private announced = false
  readonly accept: (stream: string) => boolean

  constructor(
    private readonly ctx: Context,
    readonly source: LogSource,
  ) {
    this.names = source.names
    this.accept = streamFilter(source)
  }

  get groupMissing(): boolean {
    return this.missing === 'group'
  }

  /** Ask again whether the group and the named streams exist (following: they may appear). */
  recheck(): void {
    this.names = this.source.names
    this.missing = undefined
  }

  async *pages(start: number, end?: number): AsyncGenerator<Page> {
    let nextToken: string | undefined
    for (;;) {
      const page = await this.page(start, end, nextToken)
      if (!page) return
      nextToken = page.nextToken
      yield page
      if (!nextToken) return
    }
  }

  /**
   * One page, as LogEvents of the selected streams; undefined when there is nothing to read. The
   * SDK's own objects are dropped here, not held while the page waits to be printed.
   */
  async page(start: number, end: number | undefined, nextToken: string | undefined): Promise<Page | undefined> {
    const {FilterLogEventsCommand} = await sdk()
    const {group, prefix} = this.source
    for (;;) {
      if (this.missing === 'group' || (this.names && this.names.length === 0)) return undefined
      const input: FilterLogEventsCommandInput = {
        logGroupName: group,
        startTime: start,
        ...(end === undefined ? {} : {endTime: end}),
        ...(this.ctx.filterPattern ? {filterPattern: this.ctx.filterPattern} : {}),
        // Ignored by the service (always interleaved), needed by moto.
        interleaved: true,
        limit: PAGE_LIMIT,
        ...(this.names ? {logStreamNames: this.names} : prefix === undefined ? {} : {logStreamNamePrefix: prefix}),
        ...(nextToken ? {nextToken} : {}),
      }
      let out
      try {
        out = await withRetry(this.ctx, () => this.ctx.logs.send(new FilterLogEventsCommand(input), {abortSignal: this.ctx.signal}))
      } catch (error) {
        // Only the first page can find out that the group or a named stream is missing.
        if (errorName(error) !== 'ResourceNotFoundException' || nextToken !== undefined || this.ctx.signal?.aborted)
          throw describeAwsError(error, {action: 'logs:FilterLogEvents'})
        if (await this.nothingToRead()) return undefined
        continue // some of the named streams exist: ask again with those
      }
      const raw = out.events ?? []
      const events: LogEvent[] = []
      for (const e of raw) {
        const stream = e.logStreamName ?? ''
        if (this.accept(stream))
          events.push({group, stream, timestamp: e.timestamp ?? 0, message: e.message ?? '', eventId: e.eventId, ingestionTime: e.ingestionTime})
      }
      return {events, returned: raw.length, first: raw[0]?.timestamp, last: raw.at(-1)?.timestamp, nextToken: out.nextToken}
    }
  }

  /** After ResourceNotFound: true when nothing can be read (no group, or none of the named streams). */
  private async nothingToRead(): Promise<boolean> {
    const {group} = this.source
    if (this.names) {
      try {
        this.names = await existingStreams(this.ctx, group, this.names)
        if (this.names.length > 0) return false
        this.missing = 'streams'
        return true
      } catch (error) {
        if (errorName(error) !== 'ResourceNotFoundException') throw describeAwsError(error, {action: 'logs:DescribeLogStreams'})
      }
    }
    // Following waits for the group to appear: say so once. A range reports it at the end.
    if (!this.announced && this.ctx.follow) this.ctx.notice(`Log group ${group} does not exist yet; waiting for it.`)
    this.announced = true
    this.missing = 'group'
    return true
  }
}

/** Which of these stream names exist in the group (DescribeLogStreams sorts by name: an exact match comes first). */
async function existingStreams(ctx: Context, group: string, names: string[]): Promise<string[]> {
  const {DescribeLogStreamsCommand} = await sdk()
  const found = await mapPool(names, 4, async (name) => {
    const out = await withRetry(ctx, () =>
      ctx.logs.send(new DescribeLogStreamsCommand({logGroupName: group, logStreamNamePrefix: name, limit: 1}), {abortSignal: ctx.signal}),
    )
    return out.logStreams?.[0]?.logStreamName === name
  })
  return names.filter((_, i) => found[i])
}

/** A stretch of a range still to read; `nextToken` continues a query page by page. */
interface Span {
  start: number
  end?: number
  nextToken?: string
  /** Its next page, once asked for. */
  page?: Promise<Page | undefined>
}

/**
 * One source's events of [start, end], in time order. When a page shows that more is to come,
 * the rest is cut into slices by the density seen, and each slice is read the same way (a slice
 * denser than planned is cut again). The first SLICE_CONCURRENCY stretches still to print are
 * read at once, so at most that many pages wait in memory.
 */
async function* readSpans(reader: SourceReader, start: number, end: number | undefined): AsyncGenerator<LogEvent[]> {
  const spans: Span[] = [{start, end}]
  while (spans.length > 0) {
    for (const span of spans.slice(0, SLICE_CONCURRENCY))
      if (!span.page) {
        span.page = reader.page(span.start, span.end, span.nextToken)
        // Kept for whoever awaits it, never left unhandled (an abort rejects the ones read ahead).
        span.page.catch(() => undefined)
      }
    const span = spans.shift()!
    const page = await span.page!
    if (!page) continue
    const reached = page.last
    if (!page.nextToken || reached === undefined || reached <= span.start) {
      if (page.events.length > 0) yield page.events
      if (page.nextToken) spans.unshift({start: span.start, end: span.end, nextToken: page.nextToken})
      continue
    }
    // Print what lies before the page's last timestamp; slices read the rest from there on
    // (events at that very millisecond may continue on the next page).
    const before = page.events.filter((e) => e.timestamp < reached)
    if (before.length > 0) yield before
    spans.unshift(...planSlices(page.first ?? span.start, reached, span.end, page.returned, Date.now()))
  }
}

/** The events of a range over every source, merged in time order, a batch at a time. */
async function* readRange(readers: SourceReader[], start: number, end: number | undefined): AsyncGenerator<LogEvent[]> {
  const iterators = readers.map((r) => readSpans(r, start, end))
  if (iterators.length === 1) {
    yield* iterators[0]!
    return
  }
  const buffers: LogEvent[][] = iterators.map(() => [])
  const done = iterators.map(() => false)
  for (;;) {
    const {ready, refill} = mergeStep(buffers, done)
    if (ready.length > 0) yield ready
    if (refill.length === 0) {
      if (buffers.every((b) => b.length === 0)) return
      continue
    }
    await Promise.all(
      refill.map(async (i) => {
        const next = await iterators[i]!.next()
        if (next.done) done[i] = true
        else buffers[i] = next.value
      }),
    )
  }
}

/** Follow by polling until aborted; returns the number of events printed. */
async function followByPolling(
  ctx: Context,
  readers: SourceReader[],
  since: number,
  dedup: DedupWindow,
  sink: TailSink,
  shownLive?: DedupWindow,
): Promise<number> {
  let printed = 0
  let delay: number = FOLLOW.flowingMs
  let lastSweep = Number.NEGATIVE_INFINITY
  while (!ctx.signal?.aborted) {
    const now = Date.now()
    const sweep = now - lastSweep >= FOLLOW.sweepEveryMs
    if (sweep) {
      lastSweep = now
      for (const r of readers) r.recheck()
    }
    const start = pollStart({now, since, safeStart: dedup.safeStart, sweep})
    const fresh = await Promise.all(
      readers.map(async (r) => {
        const out: LogEvent[] = []
        for await (const page of r.pages(start))
          for (const e of page.events) {
            if (e.eventId !== undefined && !dedup.add(idKey(e.group, e.eventId), e.timestamp)) continue
            if (shownLive?.has(contentKey(e))) continue
            out.push(e)
          }
        return out
      }),
    )
    const events = mergeByTime(fresh)
    if (events.length > 0) {
      printed += events.length
      await sink.onEvents(events)
    }
    // No poll reads further back than the late window: older keys can go.
    dedup.prune(now - FOLLOW.lateWindowMs - 60_000)
    delay = nextDelay(delay, events.length > 0)
    await sleep(delay, ctx.signal)
  }
  return printed
}

type LiveSession = {
  /** Events received so far and not yet taken. */
  take(): LogEvent[]
  /** Resolves when more arrives or the session ends. */
  wait(): Promise<void>
  /** Why the session ended, once it has. */
  readonly ended?: string
}

/** Start Live Tail; undefined (after a notice) when the account or endpoint does not offer it. */
async function startLive(ctx: Context, readers: SourceReader[], groupArns: string[]): Promise<LiveSession | undefined> {
  const {StartLiveTailCommand} = await sdk()
  const groups = [...new Set(readers.map((r) => r.source.group))]
  // Streams can be chosen server-side only for a single group, by names or by prefixes.
  const names = readers.flatMap((r) => r.source.names ?? [])
  const prefixes = readers.flatMap((r) => (r.source.prefix === undefined ? [] : [r.source.prefix]))
  const whole = readers.some((r) => !r.source.names && r.source.prefix === undefined)
  const streams =
    groups.length === 1 && !whole ? (prefixes.length === 0 ? {logStreamNames: names} : names.length === 0 ? {logStreamNamePrefixes: prefixes} : {}) : {}
  let iterator: AsyncIterator<StartLiveTailResponseStream>
  let first: IteratorResult<StartLiveTailResponseStream>
  try {
    const out = await ctx.logs.send(
      new StartLiveTailCommand({logGroupIdentifiers: groupArns, ...streams, ...(ctx.filterPattern ? {logEventFilterPattern: ctx.filterPattern} : {})}),
      {abortSignal: ctx.signal},
    )
    if (!out.responseStream) throw new Error('no response stream')
    iterator = out.responseStream[Symbol.asyncIterator]()
    first = await iterator.next()
    if (first.done || !first.value.sessionStart) throw new Error(liveProblem(first.done ? undefined : first.value) ?? 'the session did not start')
  } catch (error) {
    if (ctx.signal?.aborted) return undefined
    ctx.notice(`Live Tail is not available (${errorName(error)}: ${(error as Error).message?.split('\n')[0] ?? ''}); following by polling instead.`)
    return undefined
  }

  const accept = (e: LogEvent) => readers.some((r) => r.source.group === e.group && r.accept(e.stream))
  let queue: LogEvent[] = []
  let ended: string | undefined
  let wake: (() => void) | undefined
  let sampledNoticed = false
  ctx.signal?.addEventListener('abort', () => wake?.(), {once: true})
  void (async () => {
    try {
      for (;;) {
        const next = await iterator.next()
        if (next.done) {
          ended = 'the session closed'
          break
        }
        const problem = liveProblem(next.value)
        if (problem) {
          ended = problem
          break
        }
        const update = next.value.sessionUpdate
        if (update?.sessionMetadata?.sampled && !sampledNoticed) {
          sampledNoticed = true
          ctx.notice('Live Tail is sampling: more than 500 events per second match; some are not shown.')
        }
        for (const r of update?.sessionResults ?? []) {
          const e: LogEvent = {
            group: groupFromIdentifier(r.logGroupIdentifier ?? ''),
            stream: r.logStreamName ?? '',
            timestamp: r.timestamp ?? 0,
            message: r.message ?? '',
            ingestionTime: r.ingestionTime,
          }
          if (accept(e)) queue.push(e)
        }
        if (queue.length > LIVE_QUEUE_MAX) {
          queue = queue.slice(-LIVE_QUEUE_MAX)
          ctx.notice(`Live Tail: more than ${LIVE_QUEUE_MAX} events waiting; the oldest were dropped.`)
        }
        wake?.()
      }
    } catch (error) {
      ended = ctx.signal?.aborted ? 'interrupted' : `${errorName(error)}: ${(error as Error).message ?? ''}`
    }
    wake?.()
  })()
  return {
    take() {
      const out = queue
      queue = []
      return out
    },
    wait: () => (queue.length > 0 || ended || ctx.signal?.aborted ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
    get ended() {
      return ended
    },
  }
}

function liveProblem(item: StartLiveTailResponseStream | undefined): string | undefined {
  if (!item) return undefined
  if (item.SessionTimeoutException) return `the session timed out (${item.SessionTimeoutException.message ?? 'after 3 hours'})`
  if (item.SessionStreamingException) return `streaming failed (${item.SessionStreamingException.message ?? 'unknown error'})`
  return undefined
}

/**
 * Print a range, and with `follow` go on printing new events until `signal` aborts. Returns how
 * many events were printed. Abort (Ctrl-C) ends it quietly.
 */
export async function tailLogs(logs: CloudWatchLogsClient, request: TailRequest, sink: TailSink, signal?: AbortSignal): Promise<TailSummary> {
  const ctx: Context = {
    logs,
    filterPattern: request.filterPattern,
    signal,
    notice: sink.onNotice,
    follow: request.follow,
    maxRetries: request.follow ? Number.POSITIVE_INFINITY : RANGE_RETRIES,
  }
  const readers = request.sources.map((s) => new SourceReader(ctx, s))
  let events = 0
  let mode: TailSummary['mode'] = 'range'
  try {
    if (!request.follow) {
      for await (const batch of readRange(readers, request.start, request.end)) {
        events += batch.length
        await sink.onEvents(batch)
      }
      const missing = [...new Set(readers.filter((r) => r.groupMissing).map((r) => r.source.group))]
      if (missing.length > 0 && readers.every((r) => r.groupMissing)) throw missingGroups(missing)
      for (const group of missing) ctx.notice(`Log group ${group} does not exist.`)
      return {events, mode}
    }

    // Live Tail first (when asked), so that nothing ingested while the range prints is lost.
    let live: LiveSession | undefined
    if (request.live && 'unavailable' in request.live) ctx.notice(`Live Tail is not available (${request.live.unavailable}); following by polling instead.`)
    else if (request.live) live = await startLive(ctx, readers, request.live.groupArns)
    // With Live Tail the range stays open: what both it and the session see is printed once (by
    // content, as Live Tail gives no event ids).
    const now = Date.now()
    const rangeEnd = live ? undefined : now
    // Remember what the range printed near its end: following re-reads that window.
    const dedup = new DedupWindow()
    const shownByRange = new DedupWindow()
    const remembered = now - FOLLOW.lateWindowMs
    for await (const batch of readRange(readers, request.start, rangeEnd)) {
      for (const e of batch)
        if (e.timestamp >= remembered) {
          if (e.eventId !== undefined) dedup.add(idKey(e.group, e.eventId), e.timestamp)
          if (live) shownByRange.add(contentKey(e), e.timestamp)
        }
      events += batch.length
      await sink.onEvents(batch)
    }

    if (live) {
      mode = 'live'
      const shownLive = new DedupWindow()
      while (!signal?.aborted) {
        const batch = live.take().filter((e) => !shownByRange.has(contentKey(e)))
        if (batch.length > 0) {
          for (const e of batch) shownLive.add(contentKey(e), e.timestamp)
          shownLive.prune(Date.now() - FOLLOW.lateWindowMs - 60_000)
          events += batch.length
          await sink.onEvents(batch.sort((a, b) => a.timestamp - b.timestamp))
          continue
        }
        if (live.ended) break
        await live.wait()
      }
      if (signal?.aborted) return {events, mode}
      ctx.notice(`Live Tail ended: ${live.ended}; following by polling instead.`)
      mode = 'poll'
      events += await followByPolling(ctx, readers, request.start, dedup, sink, shownLive)
      return {events, mode}
    }
    mode = 'poll'
    events += await followByPolling(ctx, readers, request.start, dedup, sink)
    return {events, mode}
  } catch (error) {
    // Ctrl-C aborts requests in flight: that is the end of the output, not an error.
    if (signal?.aborted) return {events, mode}
    throw error
  }
}

function missingGroups(groups: string[]): UpscError {
  return new UpscError('log-group-missing', `Log group${groups.length > 1 ? 's' : ''} ${groups.join(', ')} ${groups.length > 1 ? 'do' : 'does'} not exist.`, {
    exitCode: ExitCode.failed,
    hint: 'Check the stage\'s "logGroup" in upsc.config.json (or --group) and --region; the hosts create the group when they first ship logs.',
  })
}
