/** `upsc history`: every host's deployments.jsonl, merged newest first. */
import type {StageContext} from './context.js'
import {type DeploymentRecord, type HostHistory, mergeHistories, toRecords} from '../history/records.js'
import {UpscError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {Settings} from '../remote/settings.js'
import type {HostResult} from '../outcome/host-result.js'
import {runHostScript} from '../engine/host-script.js'
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
    throw new UpscError('history-unreadable', `Could not read the history of ${host.name ?? host.instanceId}: ${host.reason ?? 'no result'}.`, {
      exitCode: ExitCode.failed,
    })
  const current = result.current && typeof result.current === 'object' ? (result.current as HostHistory['current']) : null
  return {instanceId: host.instanceId, records: toRecords(result.records), current, skipped: Number(result.skipped ?? 0)}
}

/**
 * Characters of records per history.sh page: under the 24,000 GetCommandInvocation returns whole,
 * with room for the rest of the result line. A page holds one record at least.
 */
export const HISTORY_PAGE_CHARS = 20_000

/** Pure: where a host's next page starts, or null when it has no older records. */
const nextSkip = (host: HostResult): number | null => (typeof host.result?.next === 'number' ? host.result.next : null)

/**
 * Every host's newest `limit` records, page by page (docs/REMOTE-CONTRACT.md, history.sh).
 * `firstPage` settings go with the first page only (the rollback plan).
 */
export async function readHistories(
  ctx: StageContext,
  targets: ReachableTarget[],
  limit: number,
  firstPage: Settings = {},
): Promise<{histories: HostHistory[]; hosts: HostResult[]}> {
  const comment = `upsc history ${ctx.stage.name}`
  const page = (on: ReachableTarget[], skip: number) =>
    runHostScript(
      ctx,
      on,
      'history',
      {UPSC_HISTORY_LIMIT: limit - skip, UPSC_HISTORY_SKIP: skip || undefined, UPSC_HISTORY_MAX_CHARS: HISTORY_PAGE_CHARS, ...(skip ? {} : firstPage)},
      comment,
    )
  const hosts = await page(targets, 0)
  const histories = hosts.map(toHostHistory)
  const next = hosts.map(nextSkip)
  for (;;) {
    // Hosts with more to read, grouped by where their next page starts: one command per group.
    const groups = new Map<number, number[]>()
    next.forEach((skip, i) => {
      if (skip !== null && skip < limit) groups.set(skip, [...(groups.get(skip) ?? []), i])
    })
    if (groups.size === 0) break
    for (const [skip, indexes] of groups) {
      const results = new Map(
        (
          await page(
            indexes.map((i) => targets[i]!),
            skip,
          )
        ).map((r) => [r.instanceId, r]),
      )
      for (const i of indexes) {
        const result = results.get(targets[i]!.instanceId)!
        const more = toHostHistory(result).records
        // A deploy that appended meanwhile shifts the pages by one: drop the repeat.
        const seen = new Set(histories[i]!.records.map((r) => r.id))
        histories[i]!.records.push(...more.filter((r) => !seen.has(r.id)))
        next[i] = more.length > 0 ? nextSkip(result) : null
      }
    }
  }
  return {histories, hosts}
}

export async function runHistory(ctx: StageContext, limit: number): Promise<HistoryResult> {
  const targets = await reachableTargets(ctx)
  const {histories, hosts} = await readHistories(ctx, targets, limit)
  return {
    stage: ctx.stage.name,
    records: mergeHistories(histories, limit),
    hosts: histories.map((h, i) => ({
      instanceId: h.instanceId,
      ...(hosts[i]!.name ? {name: hosts[i]!.name} : {}),
      total: Number(hosts[i]!.result?.total ?? h.records.length),
      skipped: h.skipped,
      current: h.current ?? null,
    })),
  }
}
