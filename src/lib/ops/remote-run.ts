/**
 * The engine every host-acting command uses: send one Run Command with a script payload, stream
 * its output live from CloudWatch Logs while polling its status, and return each instance's
 * invocation with its parsed report. When CloudWatch output never shows up, the invocation's own
 * output is used instead, and the caller is told it may be cut at 24,000 characters.
 * A payload whose scripts live in the host's script cache (remote/payload.ts) is sent again to
 * the hosts that reported them missing, once the engine has installed them there.
 */
import type {SSMClient} from '@aws-sdk/client-ssm'

import {emptyInvocation, type InvocationResult, isTerminal, MAX_INSTANCES_PER_COMMAND, pollDelayMs, pollInvocations, sendCommand} from '../aws/run-command.js'
import {ExitCode} from '../exit-codes.js'
import {followStream, type StreamFollower} from '../aws/stream-follow.js'
import type {AwsClients} from '../aws/clients.js'
import {type CachedScripts, cachedScripts, needScriptsLine} from '../remote/payload.js'
import {parseReport, parseReportLine, type ParsedReport, type ReportLine} from '../remote/report.js'
import {installScripts} from './install-scripts.js'

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
  /** The host's script cache lacked this bundle (sha256): the script did not run (outcome failed). */
  missingScripts?: string
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
  const scripts = cachedScripts(request.commands)
  const first = await sendAndFollow(clients, request, request.instanceIds, events, scripts ? untilScriptsRun(scripts, request.instanceIds, events, signal) : {events, signal})
  const missing = first.runs.filter((r) => r.missingScripts === scripts?.sha).map((r) => r.instanceId)
  if (!scripts || missing.length === 0) return first
  const failed = await installScripts(clients, missing, scripts)
  const again = missing.filter((id) => !failed.has(id))
  const second = again.length > 0 ? await sendAndFollow(clients, request, again, events, {events, signal}) : undefined
  const runs = new Map([...first.runs, ...(second?.runs ?? [])].map((r) => [r.instanceId, r]))
  for (const [id, invocation] of failed) {
    const report = parseReport(invocation.stdout)
    const why = (invocation.stderr.trim().split('\n').at(-1) ?? '') || `install ${invocation.outcome}`
    runs.set(id, {instanceId: id, invocation, report: {...report, warnings: [...report.warnings, `could not install the host scripts: ${why}`]}, outputSource: 'invocation', missingScripts: scripts.sha})
  }
  return {commandId: second?.commandId ?? first.commandId, runs: request.instanceIds.map((id) => runs.get(id)!), detached: second?.detached ?? first.detached}
}

async function sendAndFollow(clients: AwsClients, request: RemoteRunRequest, instanceIds: string[], events: RemoteRunEvents, follow: {events: RemoteRunEvents; signal?: AbortSignal}): Promise<RemoteRunResult> {
  const ssm = await clients.ssm()
  const commandId = await sendCommand(ssm, {
    instanceIds,
    commands: request.commands,
    comment: request.comment,
    executionTimeoutSeconds: request.executionTimeoutSeconds,
    deliveryTimeoutSeconds: request.deliveryTimeoutSeconds,
    cloudWatchLogGroup: request.outputLogGroup,
    maxConcurrency: request.maxConcurrency,
    maxErrors: request.maxErrors,
  })
  events.onSent?.(commandId)
  return followRemote(clients, commandId, instanceIds, request.outputLogGroup, follow.events, follow.signal)
}

/**
 * Following a cache-loader payload stops early (Ctrl-C, --detach) only once every host has either
 * shown output of its scripts or reported them missing: a host that lacks them must get them and
 * the command again, or the operation would never run there. The need-scripts line is not shown.
 */
function untilScriptsRun(scripts: CachedScripts, instanceIds: string[], events: RemoteRunEvents, signal?: AbortSignal): {events: RemoteRunEvents; signal?: AbortSignal} {
  const settled = new Set<string>()
  const follow = new AbortController()
  const stopIfSettled = () => signal?.aborted && instanceIds.every((id) => settled.has(id)) && follow.abort()
  signal?.addEventListener('abort', stopIfSettled, {once: true})
  stopIfSettled()
  return {
    signal: signal ? follow.signal : undefined,
    events: {
      ...events,
      onLine: (id, line) => {
        settled.add(id)
        stopIfSettled()
        if (!(line.kind === 'log' && line.text === needScriptsLine(scripts.sha))) events.onLine?.(id, line)
      },
    },
  }
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
  const hasResult = (id: string) => streamed.get(id)!.some((line) => line.startsWith('::upsc result ') || line.startsWith(NEED_SCRIPTS))
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

const NEED_SCRIPTS = needScriptsLine('')

/** Pure: the bundle sha256 a host's loader reported missing, if it did. */
export function missingScriptsOf(report: ParsedReport): string | undefined {
  const line = report.log.find((l) => l.startsWith(NEED_SCRIPTS))
  const sha = line?.slice(NEED_SCRIPTS.length)
  return sha && /^[0-9a-f]{64}$/.test(sha) ? sha : undefined
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
    const live = followers.get(id)?.seen === true && lines.some((l) => l.startsWith('::upsc result ') || l.startsWith(NEED_SCRIPTS))
    const report = live ? parseReport(lines.join('\n')) : parseReport(invocation.stdout)
    const missingScripts = missingScriptsOf(report)
    // The loader exits 0 so that a rolling run's MaxErrors does not count it; but nothing ran: a failure.
    if (missingScripts) return {instanceId: id, invocation: {...invocation, outcome: 'failed', responseCode: ExitCode.failed}, report, outputSource: live ? 'cloudwatch' : 'invocation', missingScripts}
    return {instanceId: id, invocation, report, outputSource: live ? 'cloudwatch' : 'invocation'}
  })
}
