/**
 * `upsc deploy --cancel <command-id>`. CancelCommand is SIGKILL to the deploy's whole process
 * group: no trap runs. So first a second Run Command (lock.sh cancel) signals the deploy named in
 * each host's lock; it stops its step, puts the checkout and image tags back, records `cancelled`
 * and frees the lock. Only on hosts where it has not stopped within `timeouts.cancelSeconds` (or
 * where the deploy does not hold the lock yet) is CancelCommand the last resort; a host whose
 * deploy was killed that way is then repaired at once by lock.sh cancel again (recorded
 * `cancelled`). The result says, per host, which happened, and what was cancelled.
 */
import type {StageContext} from './context.js'
import {ExitCode} from '../errors/exit-codes.js'
import {commandInstances} from './deploy.js'
import {type HostResult, hostResult} from '../outcome/host-result.js'
import type {CancelledHost, DeployResult} from '../outcome/results.js'
import {runHostScript} from '../engine/host-script.js'
import {reachableTargets} from './preflight.js'
import {cancelThenFollow} from '../engine/follow.js'

/** The first non-empty string among the values. */
const first = (...values: unknown[]): string | undefined => values.find((v): v is string => typeof v === 'string' && v !== '')

/**
 * Pure: what happened on one host, from the first lock.sh cancel (`asked`), the second one after
 * CancelCommand (`repaired`, only where the deploy did not stop) and the deploy's own final report.
 */
export function cancelledHost(asked: HostResult, repaired: HostResult | undefined, deploy: HostResult | undefined): CancelledHost {
  const holder = (asked.result?.holder ?? {}) as Record<string, unknown>
  const record = repaired?.records[0] ?? {}
  const r = deploy?.result ?? {}
  const fetched = deploy?.steps.find((s) => s.name === 'fetch' && s.status === 'ok')?.detail
  const deployId = first(r.id, holder.id, record.id)
  const branch = first(r.branch, holder.branch, record.branch)
  const commit = first(r.commit, record.commit, fetched)
  const what = {...(deployId ? {deployId} : {}), ...(branch ? {branch} : {}), ...(commit ? {commit} : {})}
  const base = {instanceId: asked.instanceId, ...(asked.name ? {name: asked.name} : {}), ...what}
  const message = first(repaired?.result?.message, asked.result?.message, asked.reason) ?? ''
  if (asked.result?.released === true) return {...base, how: 'graceful', message}
  if (repaired?.result?.released === true) return {...base, how: 'forced', message}
  if (repaired || asked.exitCode !== ExitCode.ok) return {...base, how: 'failed', message}
  // No run of the command held the lock: it had ended, or had not started (CancelCommand stops a pending one).
  return {...base, how: deploy?.outcome === 'cancelled' || deploy?.outcome === 'not-started' ? 'forced' : 'not-running', message}
}

export async function cancelDeploy(ctx: StageContext, commandId: string): Promise<DeployResult> {
  const [instanceIds, targets] = await Promise.all([commandInstances(ctx, commandId), reachableTargets(ctx).catch(() => [])])
  const names = new Map(targets.map((t) => [t.instanceId, t.name]))
  const wait = ctx.stage.timeouts.cancelSeconds
  const ask = (ids: string[]) =>
    runHostScript(
      ctx,
      ids.map((instanceId) => ({instanceId, name: names.get(instanceId)})),
      'lock',
      {UPSC_LOCK_ACTION: 'cancel', UPSC_CANCEL_COMMAND: commandId, UPSC_CANCEL_WAIT_SECONDS: wait},
      `upsc deploy --cancel ${commandId}`,
      wait + 60,
    )
  const asked = await ask(instanceIds)
  // Last resort where the deploy did not stop (or holds no lock yet: pending, or just starting).
  const stuck = asked.filter((h) => h.result?.released !== true).map((h) => h.instanceId)
  const run = await cancelThenFollow(ctx.clients, commandId, instanceIds, stuck, {script: 'deploy'})
  const hosts = run.runs.map((r) => hostResult(r))
  const killed = asked.filter((h) => h.exitCode !== ExitCode.ok).map((h) => h.instanceId)
  const repaired = killed.length > 0 ? await ask(killed) : []
  const cancelled = asked.map((a) =>
    cancelledHost(
      a,
      repaired.find((r) => r.instanceId === a.instanceId),
      hosts.find((h) => h.instanceId === a.instanceId),
    ),
  )
  const exitCode = cancelled.some((c) => c.how === 'failed') ? ExitCode.failed : ExitCode.ok
  return {stage: ctx.stage.name, commandId, detached: false, hosts, exitCode, cancelled}
}
