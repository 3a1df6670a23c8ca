/**
 * The Run Command engine's core: send one command (at most 50 instances), follow it, collect each
 * instance's invocation with its parsed report, and cancel. Every host-acting command (status's
 * probe, deploy, rollback, exec, history, lock, the script cache's installs) goes through here.
 *
 * Following streams each host's output live from CloudWatch Logs while polling the invocations;
 * when CloudWatch output never shows up, the invocation's own output is used instead, and the
 * caller is told it may be cut at 24,000 characters.
 *
 * Following outlives transient trouble: throttling that outlasted the SDK's retries, network
 * errors and 5xx answers are waited out with backoff. When following cannot go on (credentials
 * expired or gone), it stops with ExitCode.followLost and says how to re-attach: the run goes on
 * on the hosts, so another run is never the advice.
 */
import {cancelCommand, pollDelayMs, pollInvocations, pollWaitMs, sendCommand} from '../aws/run-command.js'
import {emptyInvocation, outcomeOf, type InvocationResult, isTerminal} from '../outcome/invocation.js'
import {followStream, type StreamFollower} from '../aws/stream-follow.js'
import type {AwsClients} from '../aws/clients.js'
import {UpscError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import {needScriptsLine, type ScriptName} from '../remote/payload.js'
import {redact} from '../util/redact.js'
import {parseReport, type ParsedReport, reportReader, type ReportLine} from '../remote/report-lines.js'
import {sleep} from '../util/sleep.js'
import type {InstanceRun} from '../outcome/invocation.js'

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
  /** The nonce sent as UPSC_NONCE: only report lines tagged with it count (see remote/report-lines.ts). */
  nonce?: string
  /** The host script the payload runs (its result's schema). */
  script?: ScriptName
  /** SSM refused some instance (not managed): which of these to send to instead. Unset: the refusal is the error. */
  sendableOf?: (instanceIds: string[]) => Promise<string[]>
}

export interface RemoteRunEvents {
  /** Called once the command is accepted, before anything is followed (for Ctrl-C advice). */
  onSent?: (commandId: string) => void
  /** Each output line as it arrives, parsed. */
  onLine?: (instanceId: string, line: ReportLine) => void
  /** Status changes per instance. */
  onStatus?: (instanceId: string, status: string) => void
  /** Following is waiting out a transient AWS error (one line for the user). */
  onNotice?: (text: string) => void
}

export interface FollowOptions {
  nonce?: string
  /** What runs on the hosts, for messages ("deploy", "rollback", "command"). */
  what?: string
  /** How to follow the command again, e.g. `upsc deploy --attach ID`. */
  resume?: (commandId: string) => string
  /** How long following waits out one streak of transient errors before it gives up. */
  patienceMs?: number
  /** The host script that runs: its result is checked against that script's schema (remote/results.ts). */
  script?: ScriptName | 'install'
}

export interface RemoteRunResult {
  /** The first (usually the only) command id; one per batch of 50 instances in `commandIds`. */
  commandId: string
  commandIds: string[]
  runs: InstanceRun[]
  /** True when following stopped early (Ctrl-C): the command goes on on the hosts. */
  detached: boolean
}

export const stdoutStreamName = (commandId: string, instanceId: string) => `${commandId}/${instanceId}/aws-runShellScript/stdout`

/** Following waits out one streak of transient errors this long by default. */
export const FOLLOW_PATIENCE_MS = 15 * 60_000

/**
 * Send one command (at most 50 instances) and follow it to the end. With `request.sendableOf`, an
 * instance SSM refuses (not managed, agent offline) does not sink the others: the command goes
 * again to the ones `sendableOf` keeps, and the rest come back undeliverable, never sent.
 */
export async function sendAndFollow(
  clients: AwsClients,
  request: RemoteRunRequest,
  instanceIds: string[],
  follow: {events: RemoteRunEvents; signal?: AbortSignal},
  options: FollowOptions,
): Promise<RemoteRunResult> {
  const ssm = await clients.ssm()
  const send = (ids: string[]) =>
    sendCommand(ssm, {
      instanceIds: ids,
      commands: request.commands,
      comment: request.comment,
      executionTimeoutSeconds: request.executionTimeoutSeconds,
      deliveryTimeoutSeconds: request.deliveryTimeoutSeconds,
      cloudWatchLogGroup: request.outputLogGroup,
      maxConcurrency: request.maxConcurrency,
      maxErrors: request.maxErrors,
    })
  let sent = instanceIds
  let commandId: string
  try {
    commandId = await send(sent)
  } catch (error) {
    if (!(request.sendableOf && error instanceof UpscError && error.code === 'not-managed')) throw error
    const sendable = new Set(await request.sendableOf(instanceIds))
    sent = instanceIds.filter((id) => sendable.has(id))
    if (sent.length === 0) return {commandId: '', commandIds: [], runs: instanceIds.map((id) => unsentRun(id, 'Undeliverable')), detached: false}
    commandId = await send(sent)
  }
  follow.events.onSent?.(commandId)
  const run = await followRemote(clients, commandId, sent, request.outputLogGroup, follow.events, follow.signal, options)
  if (sent === instanceIds) return run
  const runs = new Map(run.runs.map((r) => [r.instanceId, r]))
  return {...run, runs: instanceIds.map((id) => runs.get(id) ?? unsentRun(id, 'Undeliverable'))}
}

/** An instance the command never went to (commandId empty): its invocation has this status and no output. */
export const unsentRun = (instanceId: string, status: 'Cancelled' | 'Undeliverable', statusDetails?: string): InstanceRun => ({
  instanceId,
  commandId: '',
  invocation: {...emptyInvocation(instanceId), status, ...(statusDetails ? {statusDetails} : {}), outcome: outcomeOf(status)},
  report: parseReport(''),
  outputSource: 'invocation',
})

/**
 * Cancel a command (on `cancel`'s instances only, or everywhere), then follow `instanceIds` to the
 * end without live output, to read how each ended. Nothing to cancel: just follow.
 */
export async function cancelThenFollow(
  clients: AwsClients,
  commandId: string,
  instanceIds: string[],
  cancel: string[] | 'all' = 'all',
  options: FollowOptions = {},
): Promise<RemoteRunResult> {
  if (cancel === 'all' || cancel.length > 0) await cancelCommand(await clients.ssm(), commandId, cancel === 'all' ? undefined : cancel)
  return followRemote(clients, commandId, instanceIds, undefined, {}, undefined, options)
}
type Trouble = 'transient' | 'expired' | 'lost'

/** Pure: how following treats an error: wait it out, retry a few times, or stop following. */
export function followTrouble(error: unknown): Trouble | undefined {
  const code = error instanceof UpscError ? error.code : undefined
  if (code === 'throttled' || code === 'network') return 'transient'
  if (code === 'credentials-expired') return 'expired'
  if (error instanceof UpscError && error.exitCode === ExitCode.awsAccess) return 'lost'
  const e = error as {$fault?: string; $metadata?: {httpStatusCode?: number}}
  if (e?.$fault === 'server' || (e?.$metadata?.httpStatusCode ?? 0) >= 500) return 'transient'
  return undefined
}

/** Pure: the wait before retry number `failures` (1-based) of a follow: 1 s doubling to 30 s. */
export const followBackoffMs = (failures: number): number => Math.min(30_000, 1000 * 2 ** (failures - 1))

/** Expired credentials: the SDK reloads them from the profile on each call, so a few tries may see a refreshed session. */
const EXPIRED_TRIES = 3

/** One round of following (a poll, a drain), retried through transient errors; gives up with followLost. */
async function patiently(
  round: () => Promise<void>,
  commandId: string,
  instanceIds: string[],
  events: RemoteRunEvents,
  options: FollowOptions,
  signal?: AbortSignal,
): Promise<void> {
  const since = Date.now()
  for (let failures = 1; ; failures++) {
    try {
      return await round()
    } catch (error) {
      const trouble = followTrouble(error)
      if (trouble === undefined) throw error
      const patience = options.patienceMs ?? FOLLOW_PATIENCE_MS
      if (trouble === 'lost' || (trouble === 'expired' && failures >= EXPIRED_TRIES) || Date.now() - since >= patience)
        throw followLost(error, commandId, instanceIds, options)
      const wait = followBackoffMs(failures)
      events.onNotice?.(`${(error as Error).message} Still following; next try in ${wait / 1000} s.`)
      await sleep(wait, signal)
      if (signal?.aborted) return
    }
  }
}

function followLost(error: unknown, commandId: string, instanceIds: string[], options: FollowOptions): UpscError {
  const what = options.what ?? 'command'
  const where = instanceIds.length === 1 ? 'the host' : `the ${instanceIds.length} hosts`
  const fix =
    error instanceof UpscError && error.hint && error.code !== 'throttled' && error.code !== 'network'
      ? `${error.hint.replace(/,? (and|then) try again\.?$/i, '.')} `
      : ''
  const resume = options.resume?.(commandId) ?? `aws ssm list-command-invocations --command-id ${commandId} --details`
  return new UpscError(
    'follow-lost',
    `Stopped following Run Command ${commandId}: ${(error as Error).message}\nThe ${what} goes on on ${where}; nothing was stopped or started again.`,
    {
      exitCode: ExitCode.followLost,
      hint: `${fix}Then follow it again: ${resume}`,
      cause: error,
    },
  )
}

/** Follow a command already sent (also `--attach`): stream and poll until every invocation ends. */
export async function followRemote(
  clients: AwsClients,
  commandId: string,
  instanceIds: string[],
  outputLogGroup: string | undefined,
  events: RemoteRunEvents = {},
  signal?: AbortSignal,
  options: FollowOptions = {},
): Promise<RemoteRunResult> {
  const ssm = await clients.ssm()
  const logs = outputLogGroup ? await clients.logs() : undefined
  const streamed = new Map<string, string[]>(instanceIds.map((id) => [id, []]))
  const finished = new Set<string>()
  const followers = new Map<string, StreamFollower>()
  if (logs && outputLogGroup)
    for (const id of instanceIds) {
      const read = reportReader(options.nonce)
      followers.set(
        id,
        followStream(
          logs,
          outputLogGroup,
          stdoutStreamName(commandId, id),
          (message) => {
            for (const line of redact(message).replace(/\n$/, '').split('\n')) {
              streamed.get(id)!.push(line)
              const parsed = read(line)
              if (parsed.kind === 'result' || line.startsWith(NEED_SCRIPTS)) finished.add(id)
              events.onLine?.(id, parsed)
            }
          },
          undefined,
          () => finished.has(id),
        ),
      )
    }

  const invocations = new Map<string, InvocationResult>()
  const lastStatus = new Map<string, string>()
  // Only a started invocation has output to read, and only until its last line (the result) is read:
  // otherwise GetLogEvents' quota is spent on nothing (the status may turn final seconds later).
  const started = (id: string) => !finished.has(id) && !['Pending', 'Delayed'].includes(invocations.get(id)?.status ?? 'Pending')
  const sentAt = Date.now()
  const keepAt = (round: () => Promise<void>) => patiently(round, commandId, instanceIds, events, options, signal)
  let pollsSinceResults = 0
  for (;;) {
    const open = instanceIds.filter((id) => !isTerminal(invocations.get(id)?.status ?? 'Pending'))
    if (open.length === 0 || signal?.aborted) break
    const reported = open.every((id) => finished.has(id))
    await sleep(pollWaitMs(Date.now() - sentAt, reported ? pollsSinceResults++ : undefined), signal)
    if (signal?.aborted) break
    await keepAt(() =>
      Promise.all([pollInvocations(ssm, commandId, open, invocations, sentAt), ...open.filter(started).map((id) => followers.get(id)?.poll())]).then(
        () => undefined,
      ),
    )
    for (const [id, inv] of invocations)
      if (lastStatus.get(id) !== inv.status) {
        lastStatus.set(id, inv.status)
        events.onStatus?.(id, inv.status)
      }
  }

  if (signal?.aborted)
    return {commandId, commandIds: [commandId], runs: finalRuns(commandId, instanceIds, invocations, streamed, followers, finished, options), detached: true}

  // CloudWatch output trails the command's end by a moment: drain until the result line shows up.
  await keepAt(() => drainStreams(instanceIds, followers, finished, signal))
  const runs = finalRuns(commandId, instanceIds, invocations, streamed, followers, finished, options)
  // Without CloudWatch output nothing was shown live: show the invocation's output now.
  for (const run of runs)
    if (run.outputSource === 'invocation' && streamed.get(run.instanceId)!.length === 0) {
      const read = reportReader(options.nonce)
      for (const line of run.invocation.stdout.replace(/\n$/, '').split('\n')) if (line) events.onLine?.(run.instanceId, read(line))
    }
  return {commandId, commandIds: [commandId], runs, detached: false}
}

async function drainStreams(instanceIds: string[], followers: Map<string, StreamFollower>, finished: Set<string>, signal?: AbortSignal): Promise<void> {
  if (followers.size === 0) return
  const deadline = Date.now() + 10_000
  for (let attempt = 0; Date.now() < deadline && !signal?.aborted; attempt++) {
    const waiting = instanceIds.filter((id) => followers.get(id)!.seen && !finished.has(id))
    // A stream never seen by now means CloudWatch output is not available: fall back at once.
    const unseen = instanceIds.filter((id) => !followers.get(id)!.seen)
    await Promise.all([...waiting, ...unseen].map((id) => followers.get(id)!.poll()))
    if (instanceIds.every((id) => finished.has(id) || (!followers.get(id)!.seen && attempt >= 2))) return
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
  commandId: string,
  instanceIds: string[],
  invocations: Map<string, InvocationResult>,
  streamed: Map<string, string[]>,
  followers: Map<string, StreamFollower>,
  finished: Set<string>,
  {nonce, script}: FollowOptions,
): InstanceRun[] {
  return instanceIds.map((id) => {
    const invocation = invocations.get(id) ?? emptyInvocation(id)
    const live = followers.get(id)?.seen === true && finished.has(id)
    const report = parseReport(live ? streamed.get(id)!.join('\n') : invocation.stdout, nonce, script)
    const missingScripts = missingScriptsOf(report)
    // The loader exits 0 so that a rolling run's MaxErrors does not count it; but nothing ran: a failure.
    if (missingScripts)
      return {
        instanceId: id,
        commandId,
        invocation: {...invocation, outcome: 'failed', responseCode: ExitCode.failed},
        report,
        outputSource: live ? 'cloudwatch' : 'invocation',
        missingScripts,
      }
    return {instanceId: id, commandId, invocation, report, outputSource: live ? 'cloudwatch' : 'invocation'}
  })
}
