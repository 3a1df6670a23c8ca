/**
 * The engine's entry point for a whole fleet: one operation on any number of instances.
 *
 * SendCommand takes at most 50 instance ids: bigger fleets go in batches of 50. With a concurrency
 * limit (a rolling run) the batches go one after the other and MaxErrors counts across them;
 * without one they all go at once.
 *
 * A payload whose scripts live in the host's script cache (remote/payload.ts) is sent again to
 * the hosts that reported them missing, once the engine has installed them there.
 */
import {randomBytes} from 'node:crypto'

import {MAX_INSTANCES_PER_COMMAND} from '../aws/run-command.js'
import type {AwsClients} from '../aws/clients.js'
import {UpscError} from '../errors/upsc-error.js'
import type {InstanceRun} from '../outcome/invocation.js'
import {type CachedScripts, cachedScripts, needScriptsLine} from '../remote/payload.js'
import {parseReport} from '../remote/report-lines.js'
import {type FollowOptions, type RemoteRunEvents, type RemoteRunRequest, type RemoteRunResult, sendAndFollow, unsentRun} from './follow.js'
import {installScripts} from './install-scripts.js'

/** A fresh nonce for one run (sent as UPSC_NONCE). */
export const newNonce = (): string => randomBytes(9).toString('hex')

export async function runRemote(
  clients: AwsClients,
  request: RemoteRunRequest,
  events: RemoteRunEvents = {},
  signal?: AbortSignal,
  options: FollowOptions = {},
): Promise<RemoteRunResult> {
  const batches: string[][] = []
  for (let i = 0; i < request.instanceIds.length; i += MAX_INSTANCES_PER_COMMAND) batches.push(request.instanceIds.slice(i, i + MAX_INSTANCES_PER_COMMAND))
  const run = async (batch: string[]): Promise<Batch> => {
    let sent = false
    const onSent = (commandId: string) => {
      sent = true
      events.onSent?.(commandId)
    }
    const batchEvents = {...events, onSent}
    try {
      return {batch, result: await runBatch(clients, request, batch, batchEvents, signal, {nonce: request.nonce, script: request.script, ...options})}
    } catch (error) {
      // AWS refused this batch's command (throttling, say): nothing reached its hosts. Others may
      // have gone: they are followed to their end, and these hosts reported not sent.
      if (sent) throw error
      return {batch, refused: error}
    }
  }
  const rolling = request.maxConcurrency !== undefined && request.maxConcurrency !== '100%'
  if (!rolling || batches.length === 1) return settle(await Promise.all(batches.map(run)))
  const done: Batch[] = []
  for (const batch of batches) {
    const runs = done.flatMap((b) => b.result?.runs ?? [])
    const refused = done.find((b) => b.refused !== undefined)
    if (refused) {
      done.push({batch, refused: refused.refused, after: true})
      continue
    }
    if (
      done.at(-1)?.result?.detached ||
      tooManyErrors(request.maxErrors, runs.filter((r) => r.invocation.outcome !== 'succeeded').length, runs.length + batch.length)
    ) {
      // MaxErrors reached: the rest is not started, as SSM does within one command.
      done.push({batch, result: unsentBatch(batch.map((id) => unsentRun(id, 'Cancelled', 'Terminated')))})
      continue
    }
    done.push(await run(batch))
  }
  return settle(done)
}

/** One batch of at most 50 instances: its result, or the error of AWS refusing its command (after: a batch before it was refused, so it was not tried). */
interface Batch {
  batch: string[]
  result?: RemoteRunResult
  refused?: unknown
  after?: boolean
}

/** The batches' results as one; a refused batch's hosts are not started, with the reason. When every batch was refused, nothing was sent: its error. */
function settle(batches: Batch[]): RemoteRunResult {
  const first = batches.find((b) => b.refused !== undefined)
  if (first && batches.every((b) => b.refused !== undefined)) throw first.refused
  return joinResults(
    batches.map(({batch, result, refused, after}) => {
      if (result) return result
      const why = refused instanceof Error ? refused.message : String(refused)
      const notSent = after ? `the rolling run stopped when AWS refused an earlier batch's command: ${why}` : why
      return unsentBatch(batch.map((id) => ({...unsentRun(id, 'Cancelled'), notSent})))
    }),
  )
}

/** A batch whose command never went out: its hosts' runs, under no command. */
const unsentBatch = (runs: InstanceRun[]): RemoteRunResult => ({commandId: '', commandIds: [], detached: false, runs})

/** One command for up to 50 instances; hosts missing the cached scripts get them, and the command again. */
async function runBatch(
  clients: AwsClients,
  request: RemoteRunRequest,
  instanceIds: string[],
  events: RemoteRunEvents,
  signal: AbortSignal | undefined,
  options: FollowOptions,
): Promise<RemoteRunResult> {
  const scripts = cachedScripts(request.commands)
  const first = await sendAndFollow(clients, request, instanceIds, scripts ? untilScriptsRun(scripts, instanceIds, events, signal) : {events, signal}, options)
  const missing = first.runs.filter((r) => r.missingScripts === scripts?.sha).map((r) => r.instanceId)
  if (!scripts || missing.length === 0) return first
  const failed = await installScripts(clients, missing, scripts).catch((error: unknown) => {
    throw installFailed(error, missing)
  })
  const again = missing.filter((id) => !failed.has(id))
  const second = again.length > 0 ? await sendAndFollow(clients, request, again, {events, signal}, options) : undefined
  const runs = new Map([...first.runs, ...(second?.runs ?? [])].map((r) => [r.instanceId, r]))
  for (const [id, invocation] of failed) {
    const report = parseReport(invocation.stdout)
    const why = (invocation.stderr.trim().split('\n').at(-1) ?? '') || `install ${invocation.outcome}`
    runs.set(id, {
      instanceId: id,
      commandId: first.commandId,
      invocation,
      report: {...report, warnings: [...report.warnings, `could not install the host scripts: ${why}`]},
      outputSource: 'invocation',
      missingScripts: scripts.sha,
    })
  }
  return joinResults([{commandId: '', commandIds: [], runs: instanceIds.map((id) => runs.get(id)!), detached: second?.detached ?? first.detached}])
}

/**
 * Pure: an AWS error of the script cache's install (throttling, say), said of the hosts it left
 * without their scripts: the command sent there only found them missing, so nothing ran.
 */
export function installFailed(error: unknown, instanceIds: string[]): unknown {
  if (!(error instanceof UpscError)) return error
  const hosts = instanceIds.length === 1 ? instanceIds[0] : `${instanceIds.length} hosts (${instanceIds.join(', ')})`
  return new UpscError(
    error.code,
    `Could not install upsc's host scripts on ${hosts}: ${error.message} The command did not run there: it found the scripts missing and changed nothing.`,
    {exitCode: error.exitCode, hint: error.hint, cause: error},
  )
}

/**
 * Following a cache-loader payload stops early (Ctrl-C, --detach) only once every host has either
 * shown output of its scripts or reported them missing: a host that lacks them must get them and
 * the command again, or the operation would never run there. The need-scripts line is not shown.
 */
function untilScriptsRun(
  scripts: CachedScripts,
  instanceIds: string[],
  events: RemoteRunEvents,
  signal?: AbortSignal,
): {events: RemoteRunEvents; signal?: AbortSignal} {
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

/** Pure: has a rolling run over `seen` instances so far met more failures than MaxErrors allows? */
export function tooManyErrors(maxErrors: string | undefined, failed: number, seen: number): boolean {
  if (maxErrors === undefined) return failed > 0
  const limit = maxErrors.endsWith('%') ? (Number(maxErrors.slice(0, -1)) / 100) * seen : Number(maxErrors)
  return failed > limit
}

function joinResults(results: RemoteRunResult[]): RemoteRunResult {
  const runs = results.flatMap((r) => r.runs)
  const commandIds = [...new Set(runs.map((r) => r.commandId).filter(Boolean))]
  return {commandId: commandIds[0] ?? '', commandIds, runs, detached: results.some((r) => r.detached)}
}
