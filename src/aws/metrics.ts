/** CloudWatch metrics: put a batch of data, read series back page by page. */
import type {CloudWatchClient, MetricDataQuery, MetricDatum} from '@aws-sdk/client-cloudwatch'

export async function putMetricData(cloudwatch: CloudWatchClient, namespace: string, data: MetricDatum[], signal?: AbortSignal): Promise<void> {
  const {PutMetricDataCommand} = await import('./sdk/cloudwatch.js')
  await cloudwatch.send(new PutMetricDataCommand({Namespace: namespace, MetricData: data}), {abortSignal: signal})
}

export interface MetricSeries {
  timestamps: Date[]
  values: number[]
}

/** GetMetricData newest first, every query's series read to its end (at most `maxPages` pages). */
export async function metricSeries(
  cloudwatch: CloudWatchClient,
  request: {queries: MetricDataQuery[]; start: Date; end: Date; maxPages: number},
  signal?: AbortSignal,
): Promise<Map<string, MetricSeries>> {
  const {GetMetricDataCommand} = await import('./sdk/cloudwatch.js')
  const series = new Map(request.queries.map((q) => [q.Id!, {timestamps: [] as Date[], values: [] as number[]}]))
  let NextToken: string | undefined
  for (let page = 0; page < request.maxPages; page++) {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({StartTime: request.start, EndTime: request.end, ScanBy: 'TimestampDescending', MetricDataQueries: request.queries, NextToken}),
      {abortSignal: signal},
    )
    for (const r of out.MetricDataResults ?? []) {
      const into = r.Id === undefined ? undefined : series.get(r.Id)
      into?.timestamps.push(...(r.Timestamps ?? []))
      into?.values.push(...(r.Values ?? []))
    }
    // A page may end one series before the other: read on to the end (one page, in practice).
    NextToken = out.NextToken
    if (!NextToken) break
  }
  return series
}
