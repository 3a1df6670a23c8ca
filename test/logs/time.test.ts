import {afterEach, describe, expect, it} from 'vitest'

import {UpscError} from '../../src/errors/upsc-error.js'
import {parseDateTime, parseDuration, parseRange, parseTimeFlag} from '../../src/logs/time.js'

const NOW = Date.UTC(2026, 10, 28, 18, 0, 0)

const failure = (fn: () => unknown): UpscError => {
  try {
    fn()
  } catch (error) {
    return error as UpscError
  }
  throw new Error('expected an error')
}

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h30m', 9_000_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1d2h3m4s', 93_784_000],
    ['0s', 0],
  ])('%s -> %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', '10', 'm', '10min', '30m2h', '1.5h', '-5m', '5 m', '1h1h'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined())
})

describe('parseDateTime', () => {
  const originalTz = process.env.TZ
  afterEach(() => {
    process.env.TZ = originalTz
  })

  it.each([
    ['2026-11-28T18:00:00Z', Date.UTC(2026, 10, 28, 18)],
    ['2026-11-28t18:00:00z', Date.UTC(2026, 10, 28, 18)],
    ['2026-11-28T18:00:00.250Z', Date.UTC(2026, 10, 28, 18, 0, 0, 250)],
    ['2026-11-28T18:00:00.123456Z', Date.UTC(2026, 10, 28, 18, 0, 0, 123)],
    ['2026-11-28T19:30+01:30', Date.UTC(2026, 10, 28, 18)],
    ['2026-11-28T13:00:00-0500', Date.UTC(2026, 10, 28, 18)],
    ['2026-11-28 18:00Z', Date.UTC(2026, 10, 28, 18)],
  ])('%s is an instant', (text, ms) => expect(parseDateTime(text)).toBe(ms))

  it('reads a date-time without a zone as local time', () => {
    process.env.TZ = 'America/New_York'
    expect(parseDateTime('2026-11-28 13:00')).toBe(Date.UTC(2026, 10, 28, 18))
    expect(parseDateTime('2026-11-28')).toBe(Date.UTC(2026, 10, 28, 5))
  })

  it.each(['2026-02-30', '2026-13-01T00:00Z', '2026-11-28T24:00Z', '2026-11-28T18:60Z', '28/11/2026', 'yesterday', '2026-11-28T18'])('rejects %j', (text) =>
    expect(parseDateTime(text)).toBeUndefined(),
  )
})

describe('parseTimeFlag', () => {
  it('takes a duration as that long before now', () => {
    expect(parseTimeFlag('--since', '10m', NOW)).toBe(NOW - 600_000)
    expect(parseTimeFlag('--since', ' 2h30m ', NOW)).toBe(NOW - 9_000_000)
  })

  it('takes a date-time as it is', () => {
    expect(parseTimeFlag('--until', '2026-11-28T17:00:00Z', NOW)).toBe(NOW - 3_600_000)
  })

  it('gives a usage error (exit 2) naming the flag and showing valid values', () => {
    const error = failure(() => parseTimeFlag('--since', '10 minutes', NOW))
    expect(error).toBeInstanceOf(UpscError)
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('--since "10 minutes" is neither a duration ago nor a date-time.')
    expect(error.hint).toBe('Use a duration ago such as 90s, 10m, 2h30m or 1d, or a date-time such as 2026-11-28T18:00:00Z or 2026-11-28 18:00 (local time).')
  })
})

describe('parseTimeFlag: out of range', () => {
  it('refuses a start CloudWatch Logs cannot hold (over 10 years ago, or before 1970)', () => {
    expect(parseTimeFlag('--since', '3653d', NOW)).toBe(NOW - 3653 * 86_400_000)
    const error = failure(() => parseTimeFlag('--since', '99999d', NOW))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('--since "99999d" is more than 10 years ago: CloudWatch Logs keeps nothing that old.')
    expect(failure(() => parseTimeFlag('--since', '1969-12-31T00:00:00Z', NOW)).message).toMatch(/more than 10 years ago/)
  })

  it('refuses a time more than a day ahead', () => {
    expect(failure(() => parseTimeFlag('--until', '2999-01-01', NOW)).message).toBe('--until "2999-01-01" is in the future.')
  })
})

describe('parseRange', () => {
  it('leaves the end open without --until', () => {
    expect(parseRange('10m', undefined, NOW)).toEqual({start: NOW - 600_000})
  })

  it('reads both ends', () => {
    expect(parseRange('2h30m', '1h', NOW)).toEqual({start: NOW - 9_000_000, end: NOW - 3_600_000})
  })

  it('refuses an --until that is not after --since', () => {
    const error = failure(() => parseRange('1h', '2h', NOW))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('--until (2026-11-28T16:00:00.000Z) is not after --since (2026-11-28T17:00:00.000Z).')
  })
})
