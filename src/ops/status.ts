/**
 * `upsc status`: resolve the stage's instances, then gather concurrently what EC2, SSM and
 * CloudWatch Logs know and what the host itself reports (one read-only Run Command), and evaluate.
 */
import type {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import type {EC2Client} from '@aws-sdk/client-ec2'
import type {SSMClient} from '@aws-sdk/client-ssm'

import type {AwsClients} from '../aws/clients.js'
import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {describeAwsError} from '../aws/errors.js'
import {MAX_INSTANCES_PER_COMMAND, sendCommand, waitForCommand} from '../aws/run-command.js'
import {resolveTargets, type Target} from '../aws/targets.js'
import {UpscError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import {buildPayload, cachedScripts} from '../remote/payload.js'
import {parseReport} from '../remote/report-lines.js'
import {stageSettings} from '../remote/settings.js'
import {evaluateInstance, summarize} from '../status/evaluate.js'
import type {InstanceFacts, ProbeDocument, StatusResult} from '../status/types.js'
import {recentDeployStats} from './deploy-stats.js'
import {installScripts} from '../engine/install-scripts.js'
import {missingScriptsOf} from '../engine/remote-run.js'

type SsmInfo = NonNullable<InstanceFacts['ssm']>

const chunk = <T>(items: T[], size: number): T[][] => Array.from({length: Math.ceil(items.length / size)}, (_, i) => items.slice(i * size, i * size + size))

export interface StatusOptions {
  signal?: AbortSignal
  onProgress?: (text: string) => void
}

export async function runStatus(ctx: StageContext, options: StatusOptions = {}): Promise<StatusResult> {
  const {stage, clients} = ctx
  options.onProgress?.('Finding instances')
  // Load the SSM and Logs clients while EC2 answers: they are needed right after.
  const otherClients = Promise.all([clients.ssm(), clients.logs()])
  const ec2 = await clients.ec2()
  const targets = await resolveTargets(ec2, stage.instances, ctx.instances, stage.name).catch((error: unknown) => {
    throw describeAwsError(error, {action: 'ec2:DescribeInstances', profile: ctx.profile})
  })
  const ids = targets.map((t) => t.instanceId)
  const running = targets.filter((t) => t.state === 'running').map((t) => t.instanceId)
  const [ssm, logs] = await otherClients

  options.onProgress?.(`Checking ${targets.length} instance(s)`)
  const ssmInfo = describeManaged(ssm, ids)
  const [statuses, managed, streams, probes, deploys] = await Promise.all([
    describeStatusChecks(ec2, running),
    ssmInfo,
    newestLogEvents(logs, stage, ids),
    runProbe(clients, ssm, stage, running, ssmInfo, options.signal),
    recentDeployStats(clients, stage),
  ])

  const now = Date.now()
  const instances = targets.map((t) =>
    evaluateInstance(factsFor(t, statuses.get(t.instanceId), managed.get(t.instanceId), streams.get(t.instanceId) ?? [], probes.get(t.instanceId)), stage, now),
  )
  const result = summarize(stage.name, ctx.region ?? process.env.AWS_REGION, instances, now)
  return deploys ? {...result, summary: {...result.summary, deploys}} : result
}

/**
 * Pure: 0 when nothing fails, 4 when no instance could be reached at all (nothing on a host could
 * be checked), else 1.
 */
export function statusExitCode(result: StatusResult): number {
  if (result.summary.failing === 0) return ExitCode.ok
  const unreachable = (i: StatusResult['instances'][number]) => i.checks.some((c) => (c.id === 'ec2.state' || c.id === 'ssm.agent') && c.verdict === 'fail')
  return result.instances.length > 0 && result.instances.every(unreachable) ? ExitCode.unreachable : ExitCode.failed
}

function factsFor(
  t: Target,
  status: {system?: string; instance?: string} | undefined,
  ssm: SsmInfo | undefined,
  logStreams: InstanceFacts['logStreams'],
  probe: {doc?: ProbeDocument; error?: string} | undefined,
): InstanceFacts {
  return {
    instanceId: t.instanceId,
    ...(t.name ? {name: t.name} : {}),
    ec2State: t.state,
    ...(t.launchTime ? {launchTime: t.launchTime} : {}),
    systemStatus: status?.system,
    instanceStatus: status?.instance,
    ...(ssm ? {ssm} : {}),
    logStreams,
    ...(probe?.doc ? {probe: probe.doc} : {}),
    ...(probe?.error ? {probeError: probe.error} : {}),
  }
}

async function describeStatusChecks(ec2: EC2Client, ids: string[]): Promise<Map<string, {system?: string; instance?: string}>> {
  const result = new Map<string, {system?: string; instance?: string}>()
  if (ids.length === 0) return result
  const {DescribeInstanceStatusCommand} = await import('../aws/sdk/ec2.js')
  try {
    await Promise.all(
      chunk(ids, 100).map(async (InstanceIds) => {
        const out = await ec2.send(new DescribeInstanceStatusCommand({InstanceIds, IncludeAllInstances: true}))
        for (const s of out.InstanceStatuses ?? [])
          if (s.InstanceId) result.set(s.InstanceId, {system: s.SystemStatus?.Status, instance: s.InstanceStatus?.Status})
      }),
    )
  } catch (error) {
    throw describeAwsError(error, {action: 'ec2:DescribeInstanceStatus'})
  }
  return result
}

export async function describeManaged(ssm: SSMClient, ids: string[]): Promise<Map<string, SsmInfo>> {
  const result = new Map<string, SsmInfo>()
  if (ids.length === 0) return result
  const {paginateDescribeInstanceInformation} = await import('../aws/sdk/ssm.js')
  try {
    await Promise.all(
      chunk(ids, 50).map(async (Values) => {
        for await (const page of paginateDescribeInstanceInformation({client: ssm, pageSize: 50}, {Filters: [{Key: 'InstanceIds', Values}]}))
          for (const i of page.InstanceInformationList ?? [])
            if (i.InstanceId)
              result.set(i.InstanceId, {
                pingStatus: i.PingStatus ?? 'Unknown',
                ...(i.AgentVersion ? {agentVersion: i.AgentVersion} : {}),
                ...(i.IsLatestVersion != null ? {isLatestVersion: i.IsLatestVersion} : {}),
                ...(i.LastPingDateTime ? {lastPing: new Date(i.LastPingDateTime).toISOString()} : {}),
              })
      }),
    )
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:DescribeInstanceInformation'})
  }
  return result
}

/** Pure: a configured stream name for an instance (`{instance_id}/deploy` -> `i-0abc/deploy`). */
export const streamNameFor = (pattern: string, instanceId: string) => pattern.replaceAll('{instance_id}', instanceId)

/**
 * The newest event time of each configured stream, from DescribeLogStreams over the stage's group
 * (a few pages, newest first) rather than one call per stream and instance.
 */
async function newestLogEvents(logs: CloudWatchLogsClient, stage: StageConfig, ids: string[]): Promise<Map<string, InstanceFacts['logStreams']>> {
  const {DescribeLogStreamsCommand} = await import('../aws/sdk/logs.js')
  const lastEvent = new Map<string, number>()
  try {
    let nextToken: string | undefined
    for (let page = 0; page < 10; page++) {
      const out = await logs.send(new DescribeLogStreamsCommand({logGroupName: stage.logGroup, orderBy: 'LastEventTime', descending: true, nextToken}))
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
  const result = new Map<string, InstanceFacts['logStreams']>()
  for (const id of ids)
    result.set(
      id,
      Object.entries(stage.logStreams).map(([alias, pattern]) => {
        const stream = streamNameFor(pattern, id)
        const t = lastEvent.get(stream)
        return {alias, stream, ...(t ? {lastEventAt: new Date(t).toISOString()} : {})}
      }),
    )
  return result
}

/**
 * One read-only probe Run Command for every running instance. It is sent without waiting for
 * DescribeInstanceInformation (that costs a round trip); if SSM refuses an unmanaged instance,
 * it is sent again to the managed, online ones only.
 */
async function runProbe(
  clients: AwsClients,
  ssm: SSMClient,
  stage: StageConfig,
  running: string[],
  managed: Promise<Map<string, SsmInfo>>,
  signal?: AbortSignal,
): Promise<Map<string, {doc?: ProbeDocument; error?: string}>> {
  const result = new Map<string, {doc?: ProbeDocument; error?: string}>()
  if (running.length === 0) return result
  const commands = buildPayload('probe', stageSettings(stage))
  const send = (instanceIds: string[]) =>
    sendCommand(ssm, {
      instanceIds,
      commands,
      comment: `upsc status ${stage.name}`,
      executionTimeoutSeconds: 60,
      deliveryTimeoutSeconds: 30,
    })
  await Promise.all(
    chunk(running, MAX_INSTANCES_PER_COMMAND).map(async (batch) => {
      let targets = batch
      let commandId: string
      try {
        commandId = await send(targets)
      } catch (error) {
        if (!(error instanceof UpscError && error.code === 'not-managed')) throw error
        const info = await managed
        targets = batch.filter((id) => info.get(id)?.pingStatus === 'Online')
        if (targets.length === 0) return
        commandId = await send(targets)
      }
      let invocations = await waitForCommand(ssm, commandId, targets, {signal})
      // A probe too big to travel inline runs from the host's script cache: install it where it is
      // missing, then probe those hosts again.
      const scripts = cachedScripts(commands)
      const missing = scripts ? invocations.filter((inv) => missingScriptsOf(parseReport(inv.stdout))).map((inv) => inv.instanceId) : []
      if (scripts && missing.length > 0) {
        await installScripts(clients, missing, scripts)
        const again = await waitForCommand(ssm, await send(missing), missing, {signal})
        invocations = [...invocations.filter((inv) => !missing.includes(inv.instanceId)), ...again]
      }
      for (const inv of invocations) {
        const report = parseReport(inv.stdout)
        if (report.result) result.set(inv.instanceId, {doc: report.result as unknown as ProbeDocument})
        else {
          const why = inv.outcome === 'succeeded' ? 'the probe printed no result' : `the probe ${inv.outcome}`
          const tail = (inv.stderr || inv.stdout).trim().split('\n').slice(-3).join(' | ')
          result.set(inv.instanceId, {error: `${why}${tail ? `: ${tail}` : ''}`})
        }
      }
    }),
  )
  return result
}
