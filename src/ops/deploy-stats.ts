/**
 * For `upsc status`: the failure rate of the stage's last deploys, from the DeployFailed metric
 * that each deploy writes (see src/outcome/metrics.ts). A bonus line, never a reason for status
 * to fail: no metrics, metrics switched off, or no permission to read them all give undefined.
 */
import type {AwsClients} from '../aws/clients.js'
import {metricSeries} from '../aws/metrics.js'
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
    const metric = {Namespace: METRICS_NAMESPACE, MetricName: 'DeployFailed', Dimensions: [{Name: 'Stage', Value: stage.name}]}
    const queries = [
      {Id: 'n', MetricStat: {Metric: metric, Period: 60, Stat: 'SampleCount'}},
      {Id: 'f', MetricStat: {Metric: metric, Period: 60, Stat: 'Sum'}},
    ]
    const window = {start: new Date(now - DEPLOY_STATS_DAYS * 86_400_000), end: new Date(now + 60_000), maxPages: MAX_PAGES}
    const series = await metricSeries(await clients.cloudwatch(), {queries, ...window}, AbortSignal.timeout(TIMEOUT_MS))
    return deployStats(minutesFrom(series.get('n')!, series.get('f')!))
  } catch {
    return undefined
  }
}
