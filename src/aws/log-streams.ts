/** CloudWatch Logs streams: when each stream of a group last saw an event. */
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'

import {describeAwsError} from './errors.js'

/**
 * The newest event time (ms) of the group's recently written streams, from DescribeLogStreams
 * ordered by LastEventTime (at most `pages` pages, newest first) rather than one call per stream.
 * A group that does not exist has no streams.
 */
export async function newestStreamEvents(logs: CloudWatchLogsClient, logGroupName: string, pages = 10): Promise<Map<string, number>> {
  const {DescribeLogStreamsCommand} = await import('./sdk/logs.js')
  const lastEvent = new Map<string, number>()
  try {
    let nextToken: string | undefined
    for (let page = 0; page < pages; page++) {
      const out = await logs.send(new DescribeLogStreamsCommand({logGroupName, orderBy: 'LastEventTime', descending: true, nextToken}))
      for (const s of out.logStreams ?? []) {
        const t = Math.max(s.lastEventTimestamp ?? 0, s.lastIngestionTime ?? 0)
        if (s.logStreamName && t > 0) lastEvent.set(s.logStreamName, t)
      }
      nextToken = out.nextToken
      if (!nextToken) break
    }
  } catch (error) {
    if ((error as {name?: string}).name !== 'ResourceNotFoundException') throw describeAwsError(error, {action: 'logs:DescribeLogStreams'})
  }
  return lastEvent
}
