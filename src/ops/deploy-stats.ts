/**
 * For `upsc status`: the failure rate of the stage's last deploys, from the DeployFailed metric
 * that each deploy writes (see src/outcome/metrics.ts). A bonus line, never a reason for status
 * to fail: no metrics, metrics switched off, or no permission to read them all give undefined.
 */
import type {AwsClients} from '../aws/clients.js'
import type {StageConfig} from '../config/load.js'
import {METRICS_NAMESPACE} from '../outcome/metrics.js'
import {deployStats, type DeployStats, minutesFrom} from '../status/failure-rate.js'

/** CloudWatch keeps per-minute data for 15 days; older deploys are not counted. */
export const DEPLOY_STATS_DAYS = 14

const TIMEOUT_MS = 10_000
const MAX_PAGES = 10

export async function recentDeployStats(clients: AwsClients, stage: StageConfig, now = Date.now()): Promise<DeployStats | undefined> {
  if (!stage.metrics.enabled) return undefined
  try {
    const [cloudwatch, {GetMetricDataCommand}] = await Promise.all([clients.cloudwatch(), import('../aws/sdk/cloudwatch.js')])
    const metric = {Namespace: METRICS_NAMESPACE, MetricName: 'DeployFailed', Dimensions: [{Name: 'Stage', Value: stage.name}]}
    const series = {n: {timestamps: [] as Date[], values: [] as number[]}, f: {timestamps: [] as Date[], values: [] as number[]}}
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    let NextToken: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const out = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - DEPLOY_STATS_DAYS * 86_400_000),
          EndTime: new Date(now + 60_000),
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [
            {Id: 'n', MetricStat: {Metric: metric, Period: 60, Stat: 'SampleCount'}},
            {Id: 'f', MetricStat: {Metric: metric, Period: 60, Stat: 'Sum'}},
          ],
          NextToken,
        }),
        {abortSignal: signal},
      )
      for (const r of out.MetricDataResults ?? []) {
        const into = r.Id === 'n' ? series.n : r.Id === 'f' ? series.f : undefined
        into?.timestamps.push(...(r.Timestamps ?? []))
        into?.values.push(...(r.Values ?? []))
      }
      // A page may end one series before the other: read on to the end (one page, in practice).
      NextToken = out.NextToken
      if (!NextToken) break
    }
    return deployStats(minutesFrom(series.n, series.f))
  } catch {
    return undefined
  }
}
