/**
 * Before sending work to hosts: each target must be running and its SSM agent online. Failing
 * here (exit 4) is better than a command that sits Pending until its delivery timeout.
 */
import type {AwsClients} from '../aws/clients.js'
import {describeAwsError} from '../aws/errors.js'
import {callerIdentity} from '../aws/identity.js'
import {resolveTargets, type Target} from '../aws/targets.js'
import type {StageContext} from './context.js'
import {unreachableError} from '../errors/upsc-error.js'
import {describeManaged} from '../aws/instance-status.js'

export interface ReachableTarget extends Target {
  agentVersion?: string
}

/** Pure: the reason each target cannot take a command now (none: all can). */
export function unreachableReasons(targets: Target[], managed: Map<string, {pingStatus: string}>): string[] {
  const reasons: string[] = []
  for (const t of targets) {
    const label = t.name ? `${t.name} (${t.instanceId})` : t.instanceId
    if (t.state !== 'running') reasons.push(`${label} is ${t.state}`)
    else if (!managed.has(t.instanceId)) reasons.push(`${label} is not managed by Systems Manager (no agent registered, or no instance profile)`)
    else if (managed.get(t.instanceId)!.pingStatus !== 'Online') reasons.push(`${label}: SSM agent ${managed.get(t.instanceId)!.pingStatus}`)
  }
  return reasons
}

/**
 * The EC2 client alone first, so that DescribeInstances leaves before anything else compiles; the SSM
 * client loads while EC2 answers, and `meanwhile` (what the caller needs next: STS, ...) starts
 * once the request is on its way.
 */
export async function reachableTargets(ctx: StageContext, clients: AwsClients = ctx.clients, meanwhile?: () => void): Promise<ReachableTarget[]> {
  const ec2 = await clients.ec2()
  const found = resolveTargets(ec2, ctx.stage.instances, ctx.instances, ctx.stage.name).catch((error: unknown) => {
    throw describeAwsError(error, {action: 'ec2:DescribeInstances', profile: ctx.profile})
  })
  const ssm = clients.ssm()
  meanwhile?.()
  const targets = await found
  const managed = await describeManaged(
    await ssm,
    targets.map((t) => t.instanceId),
  )
  const reasons = unreachableReasons(targets, managed)
  if (reasons.length > 0)
    throw unreachableError(
      'target-unreachable',
      `Cannot run on the stage's instances:\n${reasons.map((r) => `  ${r}`).join('\n')}`,
      'Start the instance, or check its SSM agent and instance profile (`upsc status` shows both); --instance picks other instances.',
    )
  return targets.map((t) => ({...t, ...(managed.get(t.instanceId)?.agentVersion ? {agentVersion: managed.get(t.instanceId)!.agentVersion} : {})}))
}

const callers = new WeakMap<AwsClients, Promise<string>>()

/**
 * The caller's ARN, recorded in the host's history. Best effort: history must not block a deploy.
 * Asked once per command run (a use case may start it early, while it waits on something else).
 */
export function callerArn(clients: AwsClients): Promise<string> {
  let arn = callers.get(clients)
  if (!arn) callers.set(clients, (arn = askCallerArn(clients)))
  return arn
}

async function askCallerArn(clients: AwsClients): Promise<string> {
  try {
    const {arn} = await callerIdentity(await clients.sts())
    return arn ?? 'unknown'
  } catch (error) {
    const mapped = describeAwsError(error, {action: 'sts:GetCallerIdentity'})
    // Credentials problems must stop the deploy here, before anything is sent.
    if ((mapped as {exitCode?: number}).exitCode === 3 && (mapped as {code?: string}).code !== 'access-denied') throw mapped
    return 'unknown'
  }
}
