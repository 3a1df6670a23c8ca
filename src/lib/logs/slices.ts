/**
 * Pure: splitting a long range into disjoint time slices that are read concurrently and printed
 * in order. One FilterLogEvents query pages through its results one request at a time; the
 * service (and moto) spend about the same per page however the range is cut, so reading a few
 * slices at once goes past that bound.
 */

export interface Slice {
  start: number
  /** Inclusive, as FilterLogEvents' endTime; undefined: open (up to now and beyond). */
  end?: number
}

/** About one page of events per slice; no more slices than this. */
export const SLICE_TARGET_EVENTS = Number(process.env.XST ?? 8000)
export const MAX_SLICES = 32

/**
 * A first page came back with more to come, its events running from `first` to `reached`: split
 * the rest of the range, [reached, end], into slices of about SLICE_TARGET_EVENTS each, judging by
 * the density of that page. An open end is planned up to `now` and left open.
 */
export function planSlices(first: number, reached: number, end: number | undefined, pageEvents: number, now: number): Slice[] {
  const span = (end ?? now) - reached
  if (span < 1) return [{start: reached, ...(end === undefined ? {} : {end})}]
  const perMs = pageEvents / Math.max(1, reached - first)
  const count = Math.max(1, Math.min(MAX_SLICES, span, Math.ceil((perMs * span) / SLICE_TARGET_EVENTS)))
  const cut = (i: number) => reached + Math.floor((i * span) / count)
  return Array.from({length: count}, (_, i) =>
    i === count - 1 ? {start: cut(i), ...(end === undefined ? {} : {end})} : {start: cut(i), end: cut(i + 1) - 1},
  )
}
