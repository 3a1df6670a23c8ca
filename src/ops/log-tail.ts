/**
 * Printing and following CloudWatch Logs (`upsc logs`, history from the deploy streams).
 *
 * - A range is read page by page (./log-range.ts) and printed as it comes.
 * - Following polls every 0.5 s while events flow, backing off to 2 s when idle. Each poll
 *   re-reads a trailing window (20 s, and 3 min every 10 s) so that events shipped late with older
 *   timestamps still show, and drops what was already printed by event id, in bounded memory.
 * - Throttling, 5xx and network errors are retried by the SDK (adaptive retries); following waits
 *   out what outlasts them with a one-line notice and never gives up on them.
 * - Live Tail (./log-live.ts) pushes events as they are ingested; when it is unavailable or ends,
 *   following falls back to polling with a notice.
 */

import type {LogsClient} from '../aws/clients.js'
import {contentKey, DedupWindow, idKey} from '../logs/dedup.js'
import type {LogEvent, LogSource} from '../logs/event.js'
import {FOLLOW, nextDelay, pollStart} from '../logs/follow-policy.js'
import {mergeByTime} from '../logs/merge.js'
import {missingGroupsError} from '../logs/sources.js'
import {sleep} from '../util/sleep.js'
import {type LiveSession, startLive} from './log-live.js'
import {readRange, SourceReader, type TailContext} from './log-range.js'

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

/** Follow by polling until aborted; returns the number of events printed. */
async function followByPolling(
  ctx: TailContext,
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

/** Print what Live Tail pushes until it ends or `signal` aborts; returns the number of events printed. */
async function followLive(live: LiveSession, shownByRange: DedupWindow, shownLive: DedupWindow, sink: TailSink, signal?: AbortSignal): Promise<number> {
  let printed = 0
  while (!signal?.aborted) {
    const batch = live.take().filter((e) => !shownByRange.has(contentKey(e)))
    if (batch.length > 0) {
      for (const e of batch) shownLive.add(contentKey(e), e.timestamp)
      shownLive.prune(Date.now() - FOLLOW.lateWindowMs - 60_000)
      printed += batch.length
      await sink.onEvents(batch.sort((a, b) => a.timestamp - b.timestamp))
      continue
    }
    if (live.ended) break
    await live.wait()
  }
  return printed
}

/**
 * Print a range, and with `follow` go on printing new events until `signal` aborts. Returns how
 * many events were printed. Abort (Ctrl-C) ends it quietly.
 */
export async function tailLogs(logs: LogsClient, request: TailRequest, sink: TailSink, signal?: AbortSignal): Promise<TailSummary> {
  const ctx: TailContext = {logs, filterPattern: request.filterPattern, signal, notice: sink.onNotice, follow: request.follow}
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
      if (missing.length > 0 && readers.every((r) => r.groupMissing)) throw missingGroupsError(missing)
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

    let shownLive: DedupWindow | undefined
    if (live) {
      mode = 'live'
      shownLive = new DedupWindow()
      events += await followLive(live, shownByRange, shownLive, sink, signal)
      if (signal?.aborted) return {events, mode}
      ctx.notice(`Live Tail ended: ${live.ended}; following by polling instead.`)
    }
    mode = 'poll'
    events += await followByPolling(ctx, readers, request.start, dedup, sink, shownLive)
    return {events, mode}
  } catch (error) {
    // Ctrl-C aborts requests in flight: that is the end of the output, not an error.
    if (signal?.aborted) return {events, mode}
    throw error
  }
}
