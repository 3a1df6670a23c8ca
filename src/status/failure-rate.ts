/**
 * Pure: the per-minute DeployFailed statistics of a stage -> the failure rate of its last deploys.
 * Each deploy writes DeployFailed once (0 or 1), so a minute's SampleCount is the deploys in it and
 * its Sum the failed ones. CloudWatch keeps no finer grain than the minute for past data: when
 * several deploys share the oldest minute taken, that whole minute counts, so `deploys` can go a
 * little over the window.
 */

export const DEPLOY_STATS_WINDOW = 20

export interface MinuteStats {
  /** Epoch ms of the minute. */
  at: number
  deploys: number
  failed: number
}

export interface DeployStats {
  /** How many of the newest deploys were asked for. */
  window: number
  /** How many were counted (the window, or fewer when there were fewer). */
  deploys: number
  failed: number
  /** failed / deploys, rounded to 3 decimals. */
  failureRate: number
}

/** Pure: the series of GetMetricData (SampleCount and Sum, matched by timestamp) -> minutes. */
export function minutesFrom(sampleCount: {timestamps: Date[]; values: number[]}, sum: {timestamps: Date[]; values: number[]}): MinuteStats[] {
  const failedAt = new Map(sum.timestamps.map((t, i) => [t.getTime(), sum.values[i] ?? 0]))
  return sampleCount.timestamps.map((t, i) => ({at: t.getTime(), deploys: sampleCount.values[i] ?? 0, failed: failedAt.get(t.getTime()) ?? 0}))
}

/** Pure: newest minutes first until the window is full; undefined when there was no deploy. */
export function deployStats(minutes: MinuteStats[], window = DEPLOY_STATS_WINDOW): DeployStats | undefined {
  let deploys = 0
  let failed = 0
  for (const m of [...minutes].sort((a, b) => b.at - a.at)) {
    if (deploys >= window) break
    if (m.deploys <= 0) continue
    deploys += m.deploys
    failed += m.failed
  }
  if (deploys === 0) return undefined
  return {window, deploys, failed, failureRate: Math.round((failed / deploys) * 1000) / 1000}
}
