/**
 * Pure: when and how far back the follower polls, and which errors it waits out. (A range read
 * leaves retries to the SDK's own: following is what must outlast them.)
 */

export const FOLLOW = {
  /** Delay between polls while events flow. */
  flowingMs: 500,
  /** The delay grows by this factor on each empty poll... */
  idleGrowth: 1.5,
  /** ...up to this. */
  idleMaxMs: 2000,
  /** Every poll re-reads this far back, for events shipped a little late (agents batch for ~5 s). */
  hotWindowMs: 20_000,
  /** Every sweepEveryMs a poll re-reads this far back, for events that arrive much later. */
  lateWindowMs: 180_000,
  sweepEveryMs: 10_000,
} as const

/** The next delay: short while events flow, growing to at most idleMaxMs while idle. */
export function nextDelay(previousMs: number, gotEvents: boolean): number {
  if (gotEvents) return FOLLOW.flowingMs
  return Math.min(FOLLOW.idleMaxMs, Math.round(previousMs * FOLLOW.idleGrowth))
}

/** Where a poll starts reading: a trailing window, never before --since nor before what dedup forgot. */
export function pollStart(options: {now: number; since: number; safeStart: number; sweep: boolean}): number {
  const window = options.sweep ? FOLLOW.lateWindowMs : FOLLOW.hotWindowMs
  return Math.max(options.since, options.safeStart, options.now - window)
}

/** The one line shown while following waits out a transient error. */
export function transientNotice(reason: string, errorName: string, waitMs: number): string {
  const what = reason === 'throttled' ? 'is throttling requests' : reason === 'unavailable' ? 'is unavailable' : 'cannot be reached'
  return `CloudWatch Logs ${what} (${errorName}); retrying in ${waitMs / 1000} s.`
}

/** Waits after consecutive failures: 1 s, 2 s, 4 s, ... at most 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, failures - 1))
}

const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded'])
const UNAVAILABLE = new Set(['ServiceUnavailableException', 'ServiceUnavailable', 'InternalFailure', 'InternalServerError', 'RequestTimeout', 'TimeoutError'])
// Case-sensitive: ResourceNotFoundException must not read as ENOTFOUND.
const NETWORK = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE)\b|socket hang up|NetworkingError/

/** Why an error is worth waiting out (throttled, unavailable, network), or undefined if it is not. */
export function transientReason(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const e = error as {name?: string; code?: string; message?: string; $metadata?: {httpStatusCode?: number}}
  const name = e.name ?? ''
  if (THROTTLED.has(name)) return 'throttled'
  const status = e.$metadata?.httpStatusCode
  if (UNAVAILABLE.has(name) || (status !== undefined && status >= 500)) return 'unavailable'
  if (NETWORK.test(`${e.code ?? ''} ${name} ${e.message ?? ''}`)) return 'unreachable'
  return undefined
}
