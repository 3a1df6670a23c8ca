/** `upsc history`: every host's deployments.jsonl, merged newest first. */
import type {StageContext} from '../base-command.js'
import {type DeploymentRecord, type HostHistory, mergeHistories, toRecords} from '../history.js'
import {UpscError} from '../errors.js'
import {ExitCode} from '../exit-codes.js'
import type {HostResult} from './host-result.js'
import {runHostScript} from './host-script.js'
import {reachableTargets, type ReachableTarget} from './preflight.js'

export interface HistoryResult {
  stage: string
  records: DeploymentRecord[]
  hosts: {instanceId: string; name?: string; total: number; skipped: number; current?: HostHistory['current']}[]
}

/** Pure: a host's history.sh result -> its history; a host that answered nothing usable is an error. */
export function toHostHistory(host: HostResult): HostHistory {
  const result = host.result
  if (!result || !Array.isArray(result.records))
    throw new UpscError('history-unreadable', `Could not read the history of ${host.name ?? host.instanceId}: ${host.reason ?? 'no result'}.`, {exitCode: ExitCode.failed})
  const current = result.current && typeof result.current === 'object' ? (result.current as HostHistory['current']) : null
  return {instanceId: host.instanceId, records: toRecords(result.records), current, skipped: Number(result.skipped ?? 0)}
}

export async function readHistories(ctx: StageContext, targets: ReachableTarget[], limit: number): Promise<{histories: HostHistory[]; hosts: HostResult[]}> {
  const hosts = await runHostScript(ctx, targets, 'history', {UPSC_HISTORY_LIMIT: limit}, `upsc history ${ctx.stage.name}`)
  return {histories: hosts.map(toHostHistory), hosts}
}

export async function runHistory(ctx: StageContext, limit: number): Promise<HistoryResult> {
  const targets = await reachableTargets(ctx)
  const {histories, hosts} = await readHistories(ctx, targets, limit)
  return {
    stage: ctx.stage.name,
    records: mergeHistories(histories, limit),
    hosts: histories.map((h, i) => ({instanceId: h.instanceId, ...(hosts[i]!.name ? {name: hosts[i]!.name} : {}), total: Number(hosts[i]!.result?.total ?? h.records.length), skipped: h.skipped, current: h.current ?? null})),
  }
}
