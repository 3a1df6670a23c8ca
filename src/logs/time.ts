/**
 * Pure: --since / --until values -> epoch milliseconds. A value is a duration ago (`90s`, `10m`,
 * `2h30m`, `1d`, `1w`) or a date-time (`2026-11-28T18:00:00Z`, `2026-11-28 18:00`, `2026-11-28`;
 * without a zone it is local time, as `date` reads it).
 */
import {usageError} from '../errors/upsc-error.js'

const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/
const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000]
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/** `2h30m` -> 9,000,000; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text)
  if (!m || text === '') return undefined
  return UNIT_MS.reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * unit, 0)
}

/** An ISO-like date-time -> epoch ms; undefined when it is not one, or not a real date. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number]
  const ms = Number((m[7] ?? '0').slice(0, 3).padEnd(3, '0'))
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined
  // Date rolls 2026-02-31 over to March: compare the fields back to reject it.
  const check = new Date(Date.UTC(y, mo - 1, d))
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined
  const zone = m[8]
  if (!zone) return new Date(y, mo - 1, d, h, mi, s, ms).getTime()
  const offset = zone.toUpperCase() === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)))
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset * 60_000
}

/**
 * CloudWatch Logs keeps events at most 10 years (3653 days, the longest retention PutRetentionPolicy
 * takes): an earlier start finds nothing, and one before 1970 is refused by the API.
 */
export const MAX_LOOKBACK_MS = 3653 * 86_400_000

/** A --since or --until value -> epoch ms, or a usage error (exit 2) with examples of valid values. */
export function parseTimeFlag(flag: string, value: string, now: number): number {
  const text = value.trim()
  const duration = parseDuration(text)
  const at = duration !== undefined ? now - duration : parseDateTime(text)
  if (at !== undefined) {
    if (now - at > MAX_LOOKBACK_MS)
      throw usageError(
        'bad-time',
        `${flag} "${value}" is more than 10 years ago: CloudWatch Logs keeps nothing that old.`,
        "Use a time within the log group's retention, e.g. --since 7d.",
      )
    if (at - now > 86_400_000)
      throw usageError('bad-time', `${flag} "${value}" is in the future.`, 'Use a past time, e.g. --since 1h, or a date-time before now.')
    return at
  }
  throw usageError(
    'bad-time',
    `${flag} "${value}" is neither a duration ago nor a date-time.`,
    'Use a duration ago such as 90s, 10m, 2h30m or 1d, or a date-time such as 2026-11-28T18:00:00Z or 2026-11-28 18:00 (local time).',
  )
}

export interface TimeRange {
  start: number
  /** Undefined: up to now, and on with --follow. */
  end?: number
}

/** Both flags -> the range to read; --until must come after --since. */
export function parseRange(since: string, until: string | undefined, now: number): TimeRange {
  const start = parseTimeFlag('--since', since, now)
  if (until === undefined) return {start}
  const end = parseTimeFlag('--until', until, now)
  if (end <= start)
    throw usageError(
      'bad-time',
      `--until (${new Date(end).toISOString()}) is not after --since (${new Date(start).toISOString()}).`,
      'Give --until a later time than --since, or leave it out to read up to now.',
    )
  return {start, end}
}
