/**
 * `upsc rollback`: ask every host which target it picks (history.sh, so the user can confirm
 * "from -> to"), then run rollback.sh to that deployment, which reuses the `upsc-<sha>` images
 * and rebuilds only when they are gone.
 */
import type {StageContext} from './context.js'
import {hostRollbackPlan, type RollbackPlan} from '../history/records.js'
import {UpscError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import {buildPayload} from '../remote/payload.js'
import {rollbackSettings} from '../remote/settings.js'
import {combinedExitCode, type HostResult, hostResult} from '../outcome/host-result.js'
import type {RollbackResult} from '../outcome/results.js'
import {readHistories, toHostHistory} from './history.js'
import {callerArn, reachableTargets, type ReachableTarget} from './preflight.js'
import {newNonce, runRemote} from '../engine/remote-run.js'
import {loadingReportOnResult, reportRollback} from './announce.js'
import {type DeployEvents, followOptions} from './deploy.js'

export interface PreparedRollback {
  targets: ReachableTarget[]
  plans: RollbackPlan[]
}

export async function prepareRollback(ctx: StageContext, to?: string): Promise<PreparedRollback> {
  // The caller's identity (for the rollback's record) is asked while the plan is read.
  const targets = await reachableTargets(ctx, ctx.clients, () => void callerArn(ctx.clients).catch(() => undefined))
  // Each host picks its own target (the one rule, in rollback.sh's lib); no records are read here.
  const {hosts} = await readHistories(ctx, targets, 0, {UPSC_ROLLBACK_PLAN: 1, UPSC_ROLLBACK_TO: to})
  const outcomes = hosts.map((h) => {
    toHostHistory(h) // a host that answered nothing usable is an error of its own
    return hostRollbackPlan(h.instanceId, h.result)
  })
  const problems = outcomes.filter((o): o is {instanceId: string; problem: string} => 'problem' in o)
  if (problems.length > 0)
    throw new UpscError('no-rollback-target', problems.map((p) => `${p.instanceId}: ${p.problem}`).join('\n'), {
      exitCode: ExitCode.failed,
      hint: hosts.some((h) => h.result?.total === 0)
        ? // A new or replaced instance: its history (and its images) went with the old one.
          'A host without any history (a new or replaced instance?): `upsc history --source cloudwatch` lists the earlier deployments; `upsc deploy --ref <commit>` builds one of them again.'
        : to
          ? 'Run `upsc history` to see the deployments you can roll back to.'
          : 'Deploy a known good branch instead: upsc deploy --branch <branch>.',
    })
  return {targets, plans: outcomes as RollbackPlan[]}
}

export async function runRollback(
  ctx: StageContext,
  prepared: PreparedRollback,
  events: DeployEvents = {},
  signal?: AbortSignal,
  skipHooks = false,
): Promise<RollbackResult> {
  const caller = await callerArn(ctx.clients)
  const names = new Map(prepared.targets.map((t) => [t.instanceId, t.name]))
  // Hosts going to the same deployment share one command; SSM runs them one at a time.
  const groups = new Map<string, string[]>()
  for (const plan of prepared.plans) groups.set(plan.to.id, [...(groups.get(plan.to.id) ?? []), plan.instanceId])
  const hosts: HostResult[] = []
  const commandIds: string[] = []
  let detached = false
  const commandOf = new Map<string, string>()
  for (const [targetId, instanceIds] of groups) {
    const nonce = newNonce()
    const commands = buildPayload('rollback', rollbackSettings(ctx.stage, {to: targetId, caller, skipHooks, nonce}))
    const run = await runRemote(
      ctx.clients,
      {
        instanceIds,
        commands,
        comment: `upsc rollback ${ctx.stage.name} to ${targetId}`,
        executionTimeoutSeconds: ctx.stage.timeouts.commandSeconds,
        deliveryTimeoutSeconds: ctx.stage.timeouts.deliverySeconds,
        outputLogGroup: ctx.stage.runCommandLogGroup,
        maxConcurrency: '1',
        maxErrors: '0',
        nonce,
      },
      {onSent: (id) => events.onSent?.(id, instanceIds), onLine: loadingReportOnResult(ctx, events.onLine), onNotice: events.onNotice},
      signal,
      followOptions(ctx.stage.name, 'rollback'),
    )
    commandIds.push(...run.commandIds)
    for (const r of run.runs) commandOf.set(r.instanceId, r.commandId)
    hosts.push(...run.runs.map((r) => hostResult(r, names.get(r.instanceId))))
    if (run.detached) {
      detached = true
      break
    }
  }
  const result: RollbackResult = {
    stage: ctx.stage.name,
    plans: prepared.plans,
    commandIds,
    hosts,
    exitCode: detached ? ExitCode.interrupted : combinedExitCode(hosts),
    detached,
  }
  return {...result, warnings: await reportRollback(ctx, result, caller, commandOf)}
}
