/**
 * `upsc history` from CloudWatch Logs (`--source cloudwatch`, and by itself when the hosts have no
 * history, e.g. a replaced instance): the record lines of the stage's deploy streams, every
 * instance that ever shipped one included. Kept apart from ops/history.ts (the host's side).
 */
import type {StageContext} from './context.js'
import {describeAwsError} from '../aws/errors.js'
import {tailLogs} from './log-tail.js'
import {mergeHistories} from '../history/records.js'
import {explicitInstanceIds} from '../logs/sources.js'
import type {LogEvent} from '../logs/event.js'
import {deployStreamMatcher, historiesFromEvents, RECORD_FILTER} from '../history/from-logs.js'
import {type HistoryResult, runHistory} from './history.js'

export type HistorySource = 'host' | 'cloudwatch' | 'auto'

export interface SourcedHistoryResult extends HistoryResult {
  /** Where the records were read. */
  source: 'host' | 'cloudwatch'
}

/** `auto`: the hosts' files, else (no host has a record) CloudWatch. */
export async function runHistoryFrom(ctx: StageContext, limit: number, source: HistorySource): Promise<SourcedHistoryResult> {
  if (source === 'cloudwatch') return readCloudWatchHistory(ctx, limit)
  const fromHosts = await runHistory(ctx, limit)
  if (source === 'host' || fromHosts.records.length > 0) return {...fromHosts, source: 'host'}
  return readCloudWatchHistory(ctx, limit)
}

export async function readCloudWatchHistory(ctx: StageContext, limit: number): Promise<SourcedHistoryResult> {
  const {stage} = ctx
  const instanceOf = deployStreamMatcher(stage.logStreams.deploy ?? '{instance_id}/deploy')
  const only = explicitInstanceIds(ctx.instances)
  const events: LogEvent[] = []
  const logs = await ctx.clients.logs()
  // The whole group: the streams of instances that are gone count too (filtered by name here).
  await tailLogs(
    logs,
    {sources: [{group: stage.logGroup}], start: 0, filterPattern: RECORD_FILTER, follow: false},
    {
      onEvents: (batch) => void events.push(...batch.filter((e) => instanceOf(e.stream) !== undefined)),
      onNotice: () => undefined,
    },
  ).catch((error: unknown) => {
    throw describeAwsError(error, {action: 'logs:FilterLogEvents', profile: ctx.profile})
  })
  const histories = historiesFromEvents(events, instanceOf).filter((h) => !only || only.includes(h.instanceId))
  return {
    stage: stage.name,
    source: 'cloudwatch',
    records: mergeHistories(histories, limit),
    hosts: histories.map((h) => ({instanceId: h.instanceId, total: h.records.length, skipped: h.skipped, current: null})),
  }
}
