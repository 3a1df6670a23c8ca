/**
 * Pure: a deploy or rollback report -> the CloudWatch data points for it, in UPSC/Deployments.
 *
 * Outcome counts are written as 0 or 1 for every attempt (not only the 1s), so that for any range
 * SampleCount is the number of attempts and Sum the number of those outcomes: that is how
 * `upsc status` works out the failure rate, and how an alarm on "Sum of DeployFailed" works.
 */
import type {OperationReport} from './announcement.js'

export const METRICS_NAMESPACE = 'UPSC/Deployments'

/** PutMetricData takes at most 1,000 data points per call. */
export const MAX_DATA_PER_PUT = 1000

/** One data point as PutMetricData takes it (the SDK's MetricDatum has this shape; aws/metrics.ts sends it). */
export interface MetricDatum {
  MetricName: string
  Dimensions: Dimensions
  Value: number
  Unit: 'Count' | 'Seconds'
  Timestamp: Date
}

type Dimensions = {Name: string; Value: string}[]

const count = (name: string, value: boolean, dimensions: Dimensions, at: Date): MetricDatum => ({
  MetricName: name,
  Dimensions: dimensions,
  Value: value ? 1 : 0,
  Unit: 'Count',
  Timestamp: at,
})
const seconds = (name: string, value: number, dimensions: Dimensions, at: Date): MetricDatum => ({
  MetricName: name,
  Dimensions: dimensions,
  Value: value,
  Unit: 'Seconds',
  Timestamp: at,
})

/**
 * A deploy: DeploySucceeded, DeployFailed (a rolled-back deploy failed too) and RolledBack once
 * per deploy by Stage and once per host by Stage and InstanceId; DeployDuration and BuildDuration
 * per host, by Stage (for the stage's graphs) and by Stage and InstanceId.
 * A rollback: RolledBack (1 when it put the older version back), by Stage and per host.
 */
export function metricData(report: OperationReport): MetricDatum[] {
  const at = new Date(report.at)
  const stage: Dimensions = [{Name: 'Stage', Value: report.stage}]
  const data: MetricDatum[] = []
  if (report.kind === 'rollback') {
    data.push(
      count(
        'RolledBack',
        report.hosts.some((h) => h.outcome === 'succeeded'),
        stage,
        at,
      ),
    )
    for (const h of report.hosts) data.push(count('RolledBack', h.outcome === 'succeeded', [...stage, {Name: 'InstanceId', Value: h.instanceId}], at))
    return data
  }
  data.push(
    count('DeploySucceeded', report.outcome === 'succeeded', stage, at),
    count('DeployFailed', report.outcome !== 'succeeded', stage, at),
    count(
      'RolledBack',
      report.hosts.some((h) => h.outcome === 'rolled-back'),
      stage,
      at,
    ),
  )
  for (const h of report.hosts) {
    const host: Dimensions = [...stage, {Name: 'InstanceId', Value: h.instanceId}]
    data.push(
      count('DeploySucceeded', h.outcome === 'succeeded', host, at),
      count('DeployFailed', h.outcome !== 'succeeded', host, at),
      count('RolledBack', h.outcome === 'rolled-back', host, at),
    )
    for (const dimensions of [stage, host]) {
      if (h.durationSeconds !== undefined) data.push(seconds('DeployDuration', h.durationSeconds, dimensions, at))
      if (h.buildSeconds !== undefined) data.push(seconds('BuildDuration', h.buildSeconds, dimensions, at))
    }
  }
  return data
}
