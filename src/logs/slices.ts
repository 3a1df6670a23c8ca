/**
 * Pure: cutting a long range into disjoint time slices, read a few at once and printed in order.
 * One FilterLogEvents query pages through its results one request after another, and each page
 * of a long range costs the service (and moto, which filters and sorts the whole range for every
 * page) far more than a page of a narrow slice; reading disjoint slices goes past that bound.
 */

export interface Slice {
  start: number
  /** Inclusive, as FilterLogEvents' endTime; undefined: open (up to now and beyond). */
  end?: number
}

/** About three quarters of a page (4,000 events): the first slice of a cut most likely takes one request. */
export const SLICE_TARGET_EVENTS = 3000
/** Slices per cut; a slice that turns out denser than planned is cut again. */
export const MAX_SLICES = 4

/**
 * A first page came back with more to come, its events running from `first` to `reached`: cut the
 * rest of the range, [reached, end], into slices. The first is as wide as SLICE_TARGET_EVENTS
 * take at the density of that page, each next one twice as wide (logs thin out or stop as often as
 * they keep flowing, so an empty stretch costs few requests), and the last takes what remains. An
 * open end is planned up to `now` and left open.
 */
export function planSlices(first: number, reached: number, end: number | undefined, pageEvents: number, now: number): Slice[] {
  const last = end ?? now
  const perMs = pageEvents / Math.max(1, reached - first)
  let width = Math.max(1, Math.floor(SLICE_TARGET_EVENTS / perMs))
  const slices: Slice[] = []
  let at = reached
  while (slices.length < MAX_SLICES - 1 && at + width <= last) {
    slices.push({start: at, end: at + width - 1})
    at += width
    width *= 2
  }
  slices.push({start: at, ...(end === undefined ? {} : {end})})
  return slices
}
