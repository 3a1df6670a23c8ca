/**
 * The engine every host-acting command uses: send one Run Command with a script payload, stream
 * its output live from CloudWatch Logs while polling its status, and return each instance's
 * invocation with its parsed report. When CloudWatch output never shows up, the invocation's own
 * output is used instead, and the caller is told it may be cut at 24,000 characters.
 */
import type {SSMClient} from '@aws-sdk/client-ssm'

import {emptyInvocation, type InvocationResult, isTerminal, MAX_INSTANCES_PER_COMMAND, pollDelayMs, pollInvocations, sendCommand} from '../aws/run-command.js'
import {followStream, type StreamFollower} from '../aws/stream-follow.js'
import type {AwsClients} from '../aws/clients.js'
import {parseReport, parseReportLine, type ParsedReport, type ReportLine} from '../remote/report.js'

export interface RemoteRunRequest {
  instanceIds: string[]
  commands: string[]
  comment: string
  executionTimeoutSeconds: number
  deliveryTimeoutSeconds: number
  /** CloudWatch Logs group for live output; undefined: no streaming, results only. */
  outputLogGroup?: string
  maxConcurrency?: string
  maxErrors?: string
}

export interface RemoteRunEvents {
  /** Called once the command is accepted, before anything is followed (for Ctrl-C advice). */
  onSent?: (commandId: string) => void
  /** Each output line as it arrives, parsed. */
  onLine?: (instanceId: string, line: ReportLine) => void
  /** Status changes per instance. */
  onStatus?: (instanceId: string, status: string) => void
}

export interface InstanceRun {
  instanceId: string
  invocation: InvocationResult
  report: ParsedReport
  /** How the output reached us: live from CloudWatch, or from GetCommandInvocation (maybe truncated). */
  outputSource: 'cloudwatch' | 'invocation'
}

export interface RemoteRunResult {
  commandId: string
  runs: InstanceRun[]
  /** True when following stopped early (Ctrl-C): the command goes on on the hosts. */
  detached: boolean
}

export const stdoutStreamName = (commandId: string, instanceId: string) => `${commandId}/${instanceId}/aws-runShellScript/stdout`

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), {once: true})
  })

export async function runRemote(clients: AwsClients, request: RemoteRunRequest, events: RemoteRunEvents = {}, signal?: AbortSignal): Promise<RemoteRunResult> {
  if (request.instanceIds.length > MAX_INSTANCES_PER_COMMAND) throw new Error(`at most ${MAX_INSTANCES_PER_COMMAND} instances per command`)
  const ssm = await clients.ssm()
  const commandId = await sendCommand(ssm, {
    instanceIds: request.instanceIds,
    commands: request.commands,
    comment: request.comment,
    executionTimeoutSeconds: request.executionTimeoutSeconds,
    deliveryTimeoutSeconds: request.deliveryTimeoutSeconds,
    cloudWatchLogGroup: request.outputLogGroup,
    maxConcurrency: request.maxConcurrency,
    maxErrors: request.maxErrors,
  })
  events.onSent?.(commandId)
  return followRemote(clients, commandId, request.instanceIds, request.outputLogGroup, events, signal)
}

/** Follow a command already sent (also `--attach`): stream and poll until every invocation ends. */
export async function followRemote(
  clients: AwsClients,
  commandId: string,
  instanceIds: string[],
  outputLogGroup: string | undefined,
  events: RemoteRunEvents = {},
  signal?: AbortSignal,
): Promise<RemoteRunResult> {
  const ssm = await clients.ssm()
  const logs = outputLogGroup ? await clients.logs() : undefined
  const streamed = new Map<string, string[]>(instanceIds.map((id) => [id, []]))
  const followers = new Map<string, StreamFollower>()
  if (logs && outputLogGroup)
    for (const id of instanceIds)
      followers.set(
        id,
        followStream(logs, outputLogGroup, stdoutStreamName(commandId, id), (message) => {
          for (const line of message.replace(/\n$/, '').split('\n')) {
            streamed.get(id)!.push(line)
            events.onLine?.(id, parseReportLine(line))
          }
        }),
      )

  const invocations = new Map<string, InvocationResult>()
  const lastStatus = new Map<string, string>()
  const sentAt = Date.now()
  for (let attempt = 0; ; attempt++) {
    const open = instanceIds.filter((id) => !isTerminal(invocations.get(id)?.status ?? 'Pending'))
    if (open.length === 0 || signal?.aborted) break
    await sleep(pollDelayMs(attempt), signal)
    if (signal?.aborted) break
    await Promise.all([pollInvocations(ssm, commandId, open, invocations, sentAt), ...[...followers.values()].map((f) => f.poll())])
    for (const [id, inv] of invocations)
      if (lastStatus.get(id) !== inv.status) {
        lastStatus.set(id, inv.status)
        events.onStatus?.(id, inv.status)
      }
  }

  if (signal?.aborted) return {commandId, runs: finalRuns(instanceIds, invocations, streamed, followers), detached: true}

  // CloudWatch output trails the command's end by a moment: drain until the result line shows up.
  await drainStreams(instanceIds, followers, streamed, signal)
  const runs = finalRuns(instanceIds, invocations, streamed, followers)
  // Without CloudWatch output nothing was shown live: show the invocation's output now.
  for (const run of runs)
    if (run.outputSource === 'invocation' && streamed.get(run.instanceId)!.length === 0)
      for (const line of run.invocation.stdout.replace(/\n$/, '').split('\n')) if (line) events.onLine?.(run.instanceId, parseReportLine(line))
  return {commandId, runs, detached: false}
}

async function drainStreams(instanceIds: string[], followers: Map<string, StreamFollower>, streamed: Map<string, string[]>, signal?: AbortSignal): Promise<void> {
  if (followers.size === 0) return
  const hasResult = (id: string) => streamed.get(id)!.some((line) => line.startsWith('::upsc result '))
  const deadline = Date.now() + 10_000
  for (let attempt = 0; Date.now() < deadline && !signal?.aborted; attempt++) {
    const waiting = instanceIds.filter((id) => followers.get(id)!.seen && !hasResult(id))
    // A stream never seen by now means CloudWatch output is not available: fall back at once.
    const unseen = instanceIds.filter((id) => !followers.get(id)!.seen)
    await Promise.all([...waiting, ...unseen].map((id) => followers.get(id)!.poll()))
    if (instanceIds.every((id) => hasResult(id) || (!followers.get(id)!.seen && attempt >= 2))) return
    await sleep(pollDelayMs(attempt), signal)
  }
}

function finalRuns(
  instanceIds: string[],
  invocations: Map<string, InvocationResult>,
  streamed: Map<string, string[]>,
  followers: Map<string, StreamFollower>,
): InstanceRun[] {
  return instanceIds.map((id) => {
    const invocation = invocations.get(id) ?? emptyInvocation(id)
    const lines = streamed.get(id)!
    const live = followers.get(id)?.seen === true && lines.some((l) => l.startsWith('::upsc result '))
    const report = live ? parseReport(lines.join('\n')) : parseReport(invocation.stdout)
    return {instanceId: id, invocation, report, outputSource: live ? 'cloudwatch' : 'invocation'}
  })
}
