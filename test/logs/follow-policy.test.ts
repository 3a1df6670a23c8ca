import {describe, expect, it} from 'vitest'

import {contentKey, DedupWindow, idKey} from '../../src/logs/dedup.js'
import {backoffMs, FOLLOW, nextDelay, pollStart, transientNotice, transientReason} from '../../src/logs/follow-policy.js'

describe('DedupWindow', () => {
  it('says whether a key is new', () => {
    const seen = new DedupWindow()
    expect([seen.add('a', 1), seen.add('b', 2), seen.add('a', 1)]).toEqual([true, true, false])
    expect(seen.has('b')).toBe(true)
    expect(seen.size).toBe(2)
  })

  it('forgets keys older than the cutoff', () => {
    const seen = new DedupWindow()
    seen.add('late', 50)
    seen.add('new', 200)
    seen.add('older', 10)
    seen.prune(100)
    expect([seen.has('late'), seen.has('new'), seen.has('older')]).toEqual([false, true, false])
    // Pruning by age forgets nothing a re-read could reach.
    expect(seen.safeStart).toBe(Number.NEGATIVE_INFINITY)
  })

  it('keeps at most `max` keys and moves safeStart past what it had to forget', () => {
    const seen = new DedupWindow(3)
    for (const [key, at] of [
      ['a', 10],
      ['b', 20],
      ['c', 30],
      ['d', 40],
      ['e', 35],
    ] as const)
      seen.add(key, at)
    expect(seen.size).toBe(3)
    expect([seen.has('a'), seen.has('b'), seen.has('c'), seen.has('e')]).toEqual([false, false, true, true])
    expect(seen.safeStart).toBe(21)
  })

  it('keys events by group and id, or by content when there is no id', () => {
    expect(idKey('/g', '123')).toBe('/g\n123')
    expect(contentKey({group: '/g', stream: 's', timestamp: 5, message: 'hi'})).toBe('/g\ns\n5\nhi')
  })
})

describe('polling schedule', () => {
  it('polls every 0.5 s while events flow and backs off to 2 s when idle', () => {
    const delays: number[] = []
    let delay: number = FOLLOW.flowingMs
    for (const got of [false, false, false, false, false, true, false]) delays.push((delay = nextDelay(delay, got)))
    expect(delays).toEqual([750, 1125, 1688, 2000, 2000, 500, 750])
  })

  it('re-reads a short window on each poll and a long one on sweeps, never before --since or what dedup forgot', () => {
    const now = 1_000_000
    expect(pollStart({now, since: 0, safeStart: -Infinity, sweep: false})).toBe(now - 20_000)
    expect(pollStart({now, since: 0, safeStart: -Infinity, sweep: true})).toBe(now - 180_000)
    expect(pollStart({now, since: now - 5000, safeStart: -Infinity, sweep: true})).toBe(now - 5000)
    expect(pollStart({now, since: 0, safeStart: now - 1000, sweep: true})).toBe(now - 1000)
  })

  it('waits 1, 2, 4 ... seconds after failures, at most 30', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })
})

describe('transientReason', () => {
  const err = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), {name, ...extra})

  it.each([
    [err('ThrottlingException'), 'throttled'],
    [err('TooManyRequestsException'), 'throttled'],
    [err('ServiceUnavailableException'), 'unavailable'],
    [err('InternalServerError', {$metadata: {httpStatusCode: 500}}), 'unavailable'],
    [err('Error', {code: 'ECONNRESET'}), 'unreachable'],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), {code: 'ECONNREFUSED'}), 'unreachable'],
    [err('TimeoutError'), 'unavailable'],
  ])('waits out %s', (error, reason) => expect(transientReason(error)).toBe(reason))

  it.each([err('AccessDeniedException', {$metadata: {httpStatusCode: 400}}), err('ResourceNotFoundException'), err('InvalidParameterException'), 'text', null])(
    'does not wait out %s',
    (error) => expect(transientReason(error)).toBeUndefined(),
  )
})

describe('transientNotice', () => {
  it('says what CloudWatch Logs did and when the next try is', () => {
    expect(transientNotice('throttled', 'ThrottlingException', 1000)).toBe('CloudWatch Logs is throttling requests (ThrottlingException); retrying in 1 s.')
    expect(transientNotice('unavailable', 'ServiceUnavailableException', 2000)).toBe(
      'CloudWatch Logs is unavailable (ServiceUnavailableException); retrying in 2 s.',
    )
    expect(transientNotice('unreachable', 'Error', 30_000)).toBe('CloudWatch Logs cannot be reached (Error); retrying in 30 s.')
  })
})
