/**
 * `upsc logs`: check the flags (before any AWS call), pick the groups and streams (instances only
 * when an alias needs {instance_id}), then print the range and, with --follow, what comes next.
 * Printing is the caller's: events go to the sink as they are read.
 */
import type {StageContext} from './context.js'
import {describeAwsError} from '../aws/errors.js'
import {callerIdentity} from '../aws/identity.js'
import {tailLogs, type TailRequest, type TailSink, type TailSummary} from './log-tail.js'
import {resolveTargets} from '../aws/targets.js'
import type {LogSource} from '../logs/event.js'
import {explicitInstanceIds, logGroupArn, logGroups, needsInstances, planSources, type SelectionInput} from '../logs/sources.js'
import {parseRange} from '../logs/time.js'
import {redact} from '../util/redact.js'

export interface LogsOptions {
  since: string
  until?: string
  filter?: string
  follow: boolean
  /** Follow with CloudWatch Live Tail (implies follow). */
  live: boolean
  /** --stream values: aliases, names or prefixes. */
  streams: string[]
  /** --group values, read besides the stage's group. */
  groups: string[]
  /** --service values: those services' container streams. */
  services?: string[]
}

export interface LogsResult {
  stage: string
  groups: string[]
  sources: LogSource[]
  since: string
  until?: string
  filter?: string
  followed: boolean
  mode: TailSummary['mode']
  events: number
}

/** Live Tail takes at most 10 groups. */
const LIVE_MAX_GROUPS = 10

export async function runLogs(ctx: StageContext, options: LogsOptions, sink: TailSink, signal?: AbortSignal): Promise<LogsResult> {
  const {stage} = ctx
  const range = parseRange(options.since, options.until, Date.now())
  const groups = logGroups(stage.logGroup, options.groups)
  const selection: SelectionInput = {
    groups,
    streams: options.streams,
    aliases: stage.logStreams,
    instanceIds: [],
    instancesGiven: ctx.instances.length > 0,
    services: options.services ?? [],
  }
  planSources(selection) // a bad --stream is a usage error, before any AWS call
  const instanceIds = needsInstances(selection) ? await stageInstanceIds(ctx) : []
  const sources = planSources({...selection, instanceIds})

  const logs = await ctx.clients.logs()
  const follow = options.follow || options.live
  const request: TailRequest = {sources, start: range.start, end: range.end, filterPattern: options.filter, follow}
  if (options.live) request.live = await liveTargets(ctx, groups, await logs.config.region())
  // What upsc prints never shows a credential, whatever the app logged.
  const masked: TailSink = {...sink, onEvents: (events) => sink.onEvents(events.map((e) => ({...e, message: redact(e.message)})))}
  const summary = await tailLogs(logs, request, masked, signal)
  return {
    stage: stage.name,
    groups,
    sources,
    since: new Date(range.start).toISOString(),
    ...(range.end === undefined ? {} : {until: new Date(range.end).toISOString()}),
    ...(options.filter ? {filter: options.filter} : {}),
    followed: follow,
    mode: summary.mode,
    events: summary.events,
  }
}

/** The ids {instance_id} expands to: --instance ids as given, else the stage's instances from EC2. */
async function stageInstanceIds(ctx: StageContext): Promise<string[]> {
  const given = explicitInstanceIds(ctx.instances)
  if (given) return given
  const ec2 = await ctx.clients.ec2()
  const targets = await resolveTargets(ec2, ctx.stage.instances, ctx.instances, ctx.stage.name).catch((error: unknown) => {
    throw describeAwsError(error, {action: 'ec2:DescribeInstances', profile: ctx.profile})
  })
  return targets.map((t) => t.instanceId)
}

/** Live Tail names groups by ARN: the account comes from STS (GetCallerIdentity needs no permission). */
async function liveTargets(ctx: StageContext, groups: string[], region: string): Promise<NonNullable<TailRequest['live']>> {
  if (groups.length > LIVE_MAX_GROUPS) return {unavailable: `it takes at most ${LIVE_MAX_GROUPS} log groups`}
  try {
    const me = await callerIdentity(await ctx.clients.sts())
    return {groupArns: groups.map((g) => logGroupArn(me.arn ?? '', me.account ?? '', region, g))}
  } catch (error) {
    return {unavailable: `the account could not be read: ${(error as Error).message?.split('\n')[0] ?? 'unknown error'}`}
  }
}
