/**
 * CloudWatch Logs reads for `upsc logs` and history: FilterLogEvents (one page), whether a stream
 * exists, and a Live Tail session. The SDK's objects are turned into LogEvents here and dropped, not
 * held while a page waits to be printed. Throttling, 5xx and network errors are retried by the
 * client itself (adaptive retries, aws/clients.ts); what outlasts them is thrown.
 */
import type {CloudWatchLogsClient, FilterLogEventsCommandInput, StartLiveTailResponseStream} from '@aws-sdk/client-cloudwatch-logs'

import type {LogEvent} from '../logs/event.js'
import {groupFromIdentifier} from '../logs/sources.js'

export interface FilterQuery {
  group: string
  start: number
  /** Inclusive; undefined: up to now. */
  end?: number
  filterPattern?: string
  limit: number
  /** Exact stream names, or else one name prefix (the API takes one or the other). */
  streamNames?: string[]
  streamPrefix?: string
  nextToken?: string
}

export interface FilteredPage {
  events: LogEvent[]
  /** Set when more is to come. */
  nextToken?: string
}

/** One FilterLogEvents page. */
export async function filterLogEvents(logs: CloudWatchLogsClient, query: FilterQuery, signal?: AbortSignal): Promise<FilteredPage> {
  const {FilterLogEventsCommand} = await import('./sdk/logs.js')
  const input: FilterLogEventsCommandInput = {
    logGroupName: query.group,
    startTime: query.start,
    ...(query.end === undefined ? {} : {endTime: query.end}),
    ...(query.filterPattern ? {filterPattern: query.filterPattern} : {}),
    // Ignored by the service (always interleaved), needed by moto.
    interleaved: true,
    limit: query.limit,
    ...(query.streamNames ? {logStreamNames: query.streamNames} : query.streamPrefix === undefined ? {} : {logStreamNamePrefix: query.streamPrefix}),
    ...(query.nextToken ? {nextToken: query.nextToken} : {}),
  }
  const out = await logs.send(new FilterLogEventsCommand(input), {abortSignal: signal})
  const events = (out.events ?? []).map((e) => ({
    group: query.group,
    stream: e.logStreamName ?? '',
    timestamp: e.timestamp ?? 0,
    message: e.message ?? '',
    eventId: e.eventId,
    ingestionTime: e.ingestionTime,
  }))
  return {events, nextToken: out.nextToken}
}

/** Does this stream exist in the group? (DescribeLogStreams sorts by name: an exact match comes first.) */
export async function streamExists(logs: CloudWatchLogsClient, group: string, name: string, signal?: AbortSignal): Promise<boolean> {
  const {DescribeLogStreamsCommand} = await import('./sdk/logs.js')
  const out = await logs.send(new DescribeLogStreamsCommand({logGroupName: group, logStreamNamePrefix: name, limit: 1}), {abortSignal: signal})
  return out.logStreams?.[0]?.logStreamName === name
}

export interface LiveTailRequest {
  groupArns: string[]
  /** Streams chosen server-side (a single group only): names or prefixes. */
  streamNames?: string[]
  streamPrefixes?: string[]
  filterPattern?: string
}

/** What a Live Tail session pushes: its start, a batch of events, or why it ended. */
export type LiveTailItem = {kind: 'start'} | {kind: 'update'; events: LogEvent[]; sampled: boolean} | {kind: 'ended'; problem: string}

/** Start a Live Tail session (StartLiveTail): its items, as they come. */
export async function startLiveTail(logs: CloudWatchLogsClient, request: LiveTailRequest, signal?: AbortSignal): Promise<AsyncIterator<LiveTailItem>> {
  const {StartLiveTailCommand} = await import('./sdk/logs.js')
  const out = await logs.send(
    new StartLiveTailCommand({
      logGroupIdentifiers: request.groupArns,
      ...(request.streamNames ? {logStreamNames: request.streamNames} : {}),
      ...(request.streamPrefixes ? {logStreamNamePrefixes: request.streamPrefixes} : {}),
      ...(request.filterPattern ? {logEventFilterPattern: request.filterPattern} : {}),
    }),
    {abortSignal: signal},
  )
  if (!out.responseStream) throw new Error('no response stream')
  return liveItems(out.responseStream)[Symbol.asyncIterator]()
}

async function* liveItems(stream: AsyncIterable<StartLiveTailResponseStream>): AsyncGenerator<LiveTailItem> {
  for await (const item of stream) {
    if (item.SessionTimeoutException) yield {kind: 'ended', problem: `the session timed out (${item.SessionTimeoutException.message ?? 'after 3 hours'})`}
    else if (item.SessionStreamingException) yield {kind: 'ended', problem: `streaming failed (${item.SessionStreamingException.message ?? 'unknown error'})`}
    else if (item.sessionStart) yield {kind: 'start'}
    else {
      const update = item.sessionUpdate
      const events = (update?.sessionResults ?? []).map((r) => ({
        group: groupFromIdentifier(r.logGroupIdentifier ?? ''),
        stream: r.logStreamName ?? '',
        timestamp: r.timestamp ?? 0,
        message: r.message ?? '',
        ingestionTime: r.ingestionTime,
      }))
      yield {kind: 'update', events, sampled: Boolean(update?.sessionMetadata?.sampled)}
    }
  }
}
