/**
 * Reading a range of CloudWatch Logs with FilterLogEvents, for `upsc logs` (and its follow polls)
 * and history from the deploy streams. A range is printed page by page, never held whole: a long
 * one is cut into time slices read a few at once and printed in order; several groups or stream
 * selections are merged in time order holding about one page each. All decisions (slices,
 * merging, what to wait out) are pure functions in ../logs/.
 */

import type {LogsClient} from '../aws/clients.js'
import {describeAwsError} from '../aws/errors.js'
import {filterLogEvents, streamExists} from '../aws/log-events.js'
import {type LogEvent, type LogSource, streamFilter} from '../logs/event.js'
import {backoffMs, transientNotice, transientReason} from '../logs/follow-policy.js'
import {mergeStep} from '../logs/merge.js'
import {planSlices} from '../logs/slices.js'
import {mapPool} from '../util/pool.js'
import {sleep} from '../util/sleep.js'

/**
 * Events per FilterLogEvents page. The API allows 10,000 (and stops at 1 MB, about 4,000 events
 * of 250 bytes); smaller pages keep the SDK's copies of each page small while slices are read.
 */
const PAGE_LIMIT = 4000
/** Slices of one range read at once (FilterLogEvents' default quota is a few requests a second). */
const SLICE_CONCURRENCY = 2

export interface TailContext {
  logs: LogsClient
  filterPattern?: string
  signal?: AbortSignal
  notice: (text: string) => void
  /** Following waits out what outlasted the SDK's retries; a range leaves them to the SDK. */
  follow: boolean
}

export const errorName = (error: unknown) => (error as {name?: string})?.name ?? 'Error'

/** A request; following waits out throttling, 5xx and network errors (with a notice each time) and never gives up on them. */
async function patiently<T>(ctx: TailContext, call: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; ) {
    try {
      return await call()
    } catch (error) {
      const reason = ctx.signal?.aborted || !ctx.follow ? undefined : transientReason(error)
      if (!reason) throw error
      failures++
      const wait = backoffMs(failures)
      ctx.notice(transientNotice(reason, errorName(error), wait))
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
export class SourceReader {
  private names?: string[]
  private missing?: 'group' | 'streams'
  /** The user was told the group is missing. */
  private announced = false
  readonly accept: (stream: string) => boolean

  constructor(
    private readonly ctx: TailContext,
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

  /** One page, as LogEvents of the selected streams; undefined when there is nothing to read. */
  async page(start: number, end: number | undefined, nextToken: string | undefined): Promise<Page | undefined> {
    const {group, prefix} = this.source
    for (;;) {
      if (this.missing === 'group' || (this.names && this.names.length === 0)) return undefined
      const query = {group, start, end, filterPattern: this.ctx.filterPattern, limit: PAGE_LIMIT, streamNames: this.names, streamPrefix: prefix, nextToken}
      let out
      try {
        out = await patiently(this.ctx, () => filterLogEvents(this.ctx.logs, query, this.ctx.signal))
      } catch (error) {
        // Only the first page can find out that the group or a named stream is missing.
        if (errorName(error) !== 'ResourceNotFoundException' || nextToken !== undefined || this.ctx.signal?.aborted)
          throw describeAwsError(error, {action: 'logs:FilterLogEvents'})
        if (await this.nothingToRead()) return undefined
        continue // some of the named streams exist: ask again with those
      }
      const raw = out.events
      return {
        events: raw.filter((e) => this.accept(e.stream)),
        returned: raw.length,
        first: raw[0]?.timestamp,
        last: raw.at(-1)?.timestamp,
        nextToken: out.nextToken,
      }
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

/** Which of these stream names exist in the group. */
async function existingStreams(ctx: TailContext, group: string, names: string[]): Promise<string[]> {
  const found = await mapPool(names, 4, (name) => patiently(ctx, () => streamExists(ctx.logs, group, name, ctx.signal)))
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
export async function* readRange(readers: SourceReader[], start: number, end: number | undefined): AsyncGenerator<LogEvent[]> {
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
