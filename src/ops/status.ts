/**
 * `upsc status`: resolve the stage's instances, then gather concurrently what EC2, SSM and
 * CloudWatch Logs know and what the host itself reports (one read-only Run Command), and evaluate.
 */

import type {AwsClients, LogsClient} from '../aws/clients.js'
import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {describeAwsError} from '../aws/errors.js'
import {describeManaged, describeStatusChecks, type SsmInfo} from '../aws/instance-status.js'
import {newestStreamEvents} from '../aws/log-streams.js'
import {resolveTargets, type Target} from '../aws/targets.js'
import {ExitCode} from '../errors/exit-codes.js'
import {buildPayload} from '../remote/payload.js'
import {stageSettings} from '../remote/settings.js'
import {evaluateInstance, summarize} from '../status/evaluate.js'
import type {InstanceFacts, ProbeDocument, StatusResult} from '../status/types.js'
import {recentDeployStats} from './deploy-stats.js'
import {runRemote} from '../engine/remote-run.js'

/** The probe takes a moment: transient AWS errors are waited out this long, not a deploy's 15 minutes. */
const PROBE_PATIENCE_MS = 60_000

export interface StatusOptions {
  signal?: AbortSignal
  onProgress?: (text: string) => void
}

export async function runStatus(ctx: StageContext, options: StatusOptions = {}): Promise<StatusResult> {
  const {stage, clients} = ctx
  options.onProgress?.('Finding instances')
  // The probe is the long pole (seconds on the host): send it as soon as the instance ids are known.
  // EC2 first (the ids), SSM while EC2 answers (the send); everything else once the probe has left, so
  // that loading its SDK client does not hold up the send.
  const ec2 = await clients.ec2()
  const found = resolveTargets(ec2, stage.instances, ctx.instances, stage.name).catch((error: unknown) => {
    throw describeAwsError(error, {action: 'ec2:DescribeInstances', profile: ctx.profile})
  })
  const ssm = await clients.ssm()
  const targets = await found
  const ids = targets.map((t) => t.instanceId)
  const running = targets.filter((t) => t.state === 'running').map((t) => t.instanceId)

  options.onProgress?.(`Checking ${targets.length} instance(s)`)
  let ssmInfo: Promise<Map<string, SsmInfo>> | undefined
  const managed = () => (ssmInfo ??= describeManaged(ssm, ids))
  let sent!: () => void
  const probeSent = new Promise<void>((resolve) => (sent = resolve))
  const probing = runProbe(clients, stage, running, managed, options.signal, sent)
  await Promise.race([probeSent, probing.catch(() => undefined)])
  const logs = await clients.logs()
  const [statuses, info, streams, probes, deploys] = await Promise.all([
    describeStatusChecks(ec2, running),
    managed(),
    newestLogEvents(logs, stage, ids),
    probing,
    recentDeployStats(clients, stage),
  ])

  const now = Date.now()
  const instances = targets.map((t) =>
    evaluateInstance(factsFor(t, statuses.get(t.instanceId), info.get(t.instanceId), streams.get(t.instanceId) ?? [], probes.get(t.instanceId)), stage, now),
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

/** Pure: a configured stream name for an instance (`{instance_id}/deploy` -> `i-0abc/deploy`). */
export const streamNameFor = (pattern: string, instanceId: string) => pattern.replaceAll('{instance_id}', instanceId)

/** Each instance's configured streams with the newest event time the stage's log group has for them. */
async function newestLogEvents(logs: LogsClient, stage: StageConfig, ids: string[]): Promise<Map<string, InstanceFacts['logStreams']>> {
  const lastEvent = await newestStreamEvents(logs, stage.logGroup)
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

type Probe = {doc?: ProbeDocument; error?: string}

/**
 * One read-only probe Run Command for every running instance, through the engine. It is sent
 * without waiting for DescribeInstanceInformation (that costs a round trip); if SSM refuses an
 * unmanaged instance, it goes again to the managed, online ones only. A probe too big to travel
 * inline installs the host's script cache where it is missing, and probes those hosts again.
 */
async function runProbe(
  clients: AwsClients,
  stage: StageConfig,
  running: string[],
  managed: () => Promise<Map<string, SsmInfo>>,
  signal?: AbortSignal,
  onSent?: () => void,
): Promise<Map<string, Probe>> {
  const result = new Map<string, Probe>()
  if (running.length === 0) {
    onSent?.()
    return result
  }
  const run = await runRemote(
    clients,
    {
      instanceIds: running,
      commands: buildPayload('probe', stageSettings(stage)),
      comment: `upsc status ${stage.name}`,
      executionTimeoutSeconds: 60,
      deliveryTimeoutSeconds: 30,
      script: 'probe',
      sendableOf: async (ids) => {
        const info = await managed()
        return ids.filter((id) => info.get(id)?.pingStatus === 'Online')
      },
    },
    {onSent: () => onSent?.()},
    signal,
    {what: 'status probe', patienceMs: PROBE_PATIENCE_MS, resume: () => `upsc status --stage ${stage.name}`},
  )
  // An instance the probe never went to has no probe result: when SSM does not manage it, its SSM
  // check says why; when AWS refused its batch's command, the probe check does.
  for (const {instanceId, commandId, invocation: inv, report, notSent} of run.runs) {
    if (notSent) result.set(instanceId, {error: `the probe was not sent: ${notSent}`})
    if (!commandId) continue
    if (report.result) result.set(instanceId, {doc: report.result as ProbeDocument})
    else if (report.resultProblem) result.set(instanceId, {error: report.resultProblem})
    else {
      const why = inv.outcome === 'succeeded' ? 'the probe printed no result' : `the probe ${inv.outcome}`
      const tail = (inv.stderr || inv.stdout).trim().split('\n').slice(-3).join(' | ')
      result.set(instanceId, {error: `${why}${tail ? `: ${tail}` : ''}`})
    }
  }
  return result
}
