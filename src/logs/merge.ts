/**
 * Pure: merging several time-ordered sources into one time-ordered output, a batch at a time,
 * holding no more than each source's current batch.
 */
import type {LogEvent} from './event.js'

/** Stable merge by timestamp: equal timestamps keep the order of the lists, then of each list. */
export function mergeByTime(lists: LogEvent[][]): LogEvent[] {
  const nonEmpty = lists.filter((l) => l.length > 0)
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? []
  // Array.prototype.sort is stable, so concatenating in list order keeps ties in list order.
  return nonEmpty.flat().sort((a, b) => a.timestamp - b.timestamp)
}

export interface MergeStep {
  /** Events that can be printed now, in time order. */
  ready: LogEvent[]
  /** Sources whose next batch is needed before anything more can be printed. */
  refill: number[]
}

/**
 * One step of a k-way merge over batches. `buffers[i]` holds source i's events not yet printed
 * (each source delivers in time order); `done[i]` says source i has nothing more to deliver.
 * Everything up to the earliest "last buffered timestamp" of the sources still delivering is
 * safe to print: nothing any source delivers later can be older. Takes the ready events out of
 * the buffers.
 */
export function mergeStep(buffers: LogEvent[][], done: boolean[]): MergeStep {
  const refill = buffers.flatMap((b, i) => (b.length === 0 && !done[i] ? [i] : []))
  if (refill.length > 0) return {ready: [], refill}
  let bound = Number.POSITIVE_INFINITY
  buffers.forEach((b, i) => {
    if (!done[i]) bound = Math.min(bound, b.at(-1)!.timestamp)
  })
  const taken = buffers.map((b, i) => {
    let n = b.length
    if (!done[i]) while (n > 0 && b[n - 1]!.timestamp > bound) n--
    return b.splice(0, n)
  })
  return {ready: mergeByTime(taken), refill: buffers.flatMap((b, i) => (b.length === 0 && !done[i] ? [i] : []))}
}
