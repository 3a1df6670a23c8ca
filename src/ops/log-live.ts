/**
 * Following with CloudWatch Live Tail: events pushed as they are ingested, queued (bounded) while
 * the range before them is printed. When Live Tail is unavailable the caller polls instead.
 */
import {type LiveTailItem, startLiveTail} from '../aws/log-events.js'
import type {LogEvent} from '../logs/event.js'
import {liveStreams} from '../logs/sources.js'
import {errorName, type SourceReader, type TailContext} from './log-range.js'

/** Live Tail events held while the range before them is printed. */
const LIVE_QUEUE_MAX = 50_000

export interface LiveSession {
  /** Events received so far and not yet taken. */
  take(): LogEvent[]
  /** Resolves when more arrives or the session ends. */
  wait(): Promise<void>
  /** Why the session ended, once it has. */
  readonly ended?: string
}

/** Start Live Tail; undefined (after a notice) when the account or endpoint does not offer it. */
export async function startLive(ctx: TailContext, readers: SourceReader[], groupArns: string[]): Promise<LiveSession | undefined> {
  let iterator: AsyncIterator<LiveTailItem>
  try {
    iterator = await startLiveTail(ctx.logs, {groupArns, ...liveStreams(readers.map((r) => r.source)), filterPattern: ctx.filterPattern}, ctx.signal)
    const first = await iterator.next()
    if (first.done || first.value.kind !== 'start')
      throw new Error(!first.done && first.value.kind === 'ended' ? first.value.problem : 'the session did not start')
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
        const item = next.value
        if (item.kind === 'ended') {
          ended = item.problem
          break
        }
        if (item.kind !== 'update') continue
        if (item.sampled && !sampledNoticed) {
          sampledNoticed = true
          ctx.notice('Live Tail is sampling: more than 500 events per second match; some are not shown.')
        }
        for (const e of item.events) if (accept(e)) queue.push(e)
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
