import {describe, expect, it} from 'vitest'

import type {LogEvent} from '../../src/logs/event.js'
import {mergeByTime, mergeStep} from '../../src/logs/merge.js'
import {MAX_SLICES, planSlices, SLICE_TARGET_EVENTS} from '../../src/logs/slices.js'

const ev = (stream: string, timestamp: number): LogEvent => ({group: 'g', stream, timestamp, message: `${stream}@${timestamp}`})
const names = (events: LogEvent[]) => events.map((e) => e.message)

describe('mergeByTime', () => {
  it('merges by timestamp, keeping ties in list order', () => {
    expect(names(mergeByTime([[ev('a', 1), ev('a', 3)], [ev('b', 1), ev('b', 2)], []]))).toEqual(['a@1', 'b@1', 'b@2', 'a@3'])
  })

  it('returns a single list as it is', () => {
    const only = [ev('a', 2), ev('a', 1)]
    expect(mergeByTime([[], only])).toBe(only)
    expect(mergeByTime([])).toEqual([])
  })
})

describe('mergeStep', () => {
  it('asks for every empty source that is not done before printing anything', () => {
    expect(mergeStep([[], [ev('b', 1)], []], [false, false, true])).toEqual({ready: [], refill: [0]})
  })

  it('prints up to the earliest last timestamp of the sources still delivering', () => {
    const buffers = [[ev('a', 1), ev('a', 5)], [ev('b', 2), ev('b', 3), ev('b', 9)], [ev('c', 4)]]
    const step = mergeStep(buffers, [false, false, true])
    expect(names(step.ready)).toEqual(['a@1', 'b@2', 'b@3', 'c@4', 'a@5'])
    expect(step.refill).toEqual([0])
    expect(names(buffers[1]!)).toEqual(['b@9'])
    expect(buffers[2]).toEqual([])
  })

  it('prints everything once every source is done', () => {
    const step = mergeStep([[ev('a', 7)], [ev('b', 1)]], [true, true])
    expect(names(step.ready)).toEqual(['b@1', 'a@7'])
    expect(step.refill).toEqual([])
  })

  it('merges whole sources batch by batch into one ordered output', () => {
    // Three sources delivering batches of their own ordered events.
    const batches = [
      [[ev('a', 1), ev('a', 4)], [ev('a', 4), ev('a', 10)], [ev('a', 11)]],
      [[ev('b', 2)], [], [ev('b', 3), ev('b', 12)]],
      [[ev('c', 0), ev('c', 4), ev('c', 4), ev('c', 20)]],
    ]
    const largestBatches = batches.reduce((n, source) => n + Math.max(...source.map((b) => b.length)), 0)
    const buffers: LogEvent[][] = [[], [], []]
    const done = [false, false, false]
    const out: LogEvent[] = []
    let held = 0
    for (;;) {
      const {ready, refill} = mergeStep(buffers, done)
      out.push(...ready)
      if (refill.length === 0 && buffers.every((b) => b.length === 0)) break
      for (const i of refill) {
        const next = batches[i]!.shift()
        if (next) buffers[i] = next
        else done[i] = true
      }
      held = Math.max(
        held,
        buffers.reduce((n, b) => n + b.length, 0),
      )
    }
    // Time order throughout; a tie across batches may interleave sources.
    expect(names(out)).toEqual(['c@0', 'a@1', 'b@2', 'b@3', 'a@4', 'c@4', 'c@4', 'a@4', 'a@10', 'a@11', 'b@12', 'c@20'])
    // Never more than one batch per source in memory.
    expect(held).toBeLessThanOrEqual(largestBatches)
    expect(largestBatches).toBe(8)
  })
})

describe('planSlices', () => {
  it('aims at three quarters of a page (4,000 events) for the first slice, 4 slices per cut', () => {
    expect(SLICE_TARGET_EVENTS).toBe(3000)
    expect(MAX_SLICES).toBe(4)
  })

  it('cuts the rest of the range into slices that double in width, from the density of the first page', () => {
    // 4,000 events over 1,000 ms: 4 per ms, so 3,000 events take 750 ms.
    expect(planSlices(0, 1000, 100_000, 4000, 0)).toEqual([
      {start: 1000, end: 1749},
      {start: 1750, end: 3249},
      {start: 3250, end: 6249},
      {start: 6250, end: 100_000},
    ])
  })

  it('leaves the last slice open when the range is open, planning up to now', () => {
    expect(planSlices(0, 1000, undefined, 4000, 2600)).toEqual([{start: 1000, end: 1749}, {start: 1750}])
  })

  it('keeps one slice when the rest is too short or in the future', () => {
    expect(planSlices(0, 1000, 1000, 4000, 0)).toEqual([{start: 1000, end: 1000}])
    expect(planSlices(0, 1000, 1700, 4000, 0)).toEqual([{start: 1000, end: 1700}])
    expect(planSlices(0, 5000, undefined, 4000, 4000)).toEqual([{start: 5000}])
  })

  it('never makes a slice shorter than a millisecond', () => {
    expect(planSlices(0, 1, 1_000_000, 10_000, 0)).toEqual([
      {start: 1, end: 1},
      {start: 2, end: 3},
      {start: 4, end: 7},
      {start: 8, end: 1_000_000},
    ])
  })

  it('measures density from the first event, not from the start of the range', () => {
    // Events only from 9,000 on: the page covers 9,000-10,000, not 0-10,000.
    expect(planSlices(9000, 10_000, 100_000, 4000, 0)[0]).toEqual({start: 10_000, end: 10_749})
  })
})
