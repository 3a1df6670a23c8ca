/** `upsc prune [--dry-run]`: prune.sh on every host of the stage (free disk, keep what rollbacks need). */
import type {StageContext} from './context.js'
import type {HostResult} from '../outcome/host-result.js'
import {runHostScript} from '../engine/host-script.js'
import {reachableTargets} from './preflight.js'

export interface PruneHost {
  instanceId: string
  name?: string
  dryRun: boolean
  stoppedContainers: number
  danglingImages: number
  removedTags: string[]
  /** Reclaimed by `docker builder prune` (null in a dry run). */
  buildCacheBytes: number | null
  /** Reported by docker (image prune + builder prune); null in a dry run. */
  reclaimedBytes: number | null
  diskFreeBefore: number | null
  diskFreeAfter: number | null
  error: string | null
  exitCode: number
}

export interface PruneResult {
  stage: string
  dryRun: boolean
  hosts: PruneHost[]
}

/** Pure: prune.sh's result for one host. */
export function toPruneHost(host: HostResult): PruneHost {
  const r = host.result ?? {}
  const num = (v: unknown) => (typeof v === 'number' ? v : null)
  return {
    instanceId: host.instanceId,
    ...(host.name ? {name: host.name} : {}),
    dryRun: r.dryRun === true,
    stoppedContainers: num(r.stoppedContainers) ?? 0,
    danglingImages: num(r.danglingImages) ?? 0,
    removedTags: Array.isArray(r.removedTags) ? (r.removedTags as string[]) : [],
    buildCacheBytes: num(r.buildCacheBytes),
    reclaimedBytes: num(r.reclaimedBytes),
    diskFreeBefore: num(r.diskFreeBefore),
    diskFreeAfter: num(r.diskFreeAfter),
    error: typeof r.error === 'string' ? r.error : host.exitCode === 0 ? null : (host.reason ?? 'failed'),
    exitCode: host.exitCode,
  }
}

export async function runPrune(ctx: StageContext, dryRun: boolean): Promise<PruneResult> {
  const targets = await reachableTargets(ctx)
  const settings = {UPSC_DRY_RUN: dryRun ? 1 : undefined, UPSC_KEEP_IMAGES: ctx.stage.keepImages, UPSC_PRUNE_BUILD_CACHE_KEEP: ctx.stage.prune.buildCacheKeep}
  const hosts = await runHostScript(ctx, targets, 'prune', settings, `upsc prune ${ctx.stage.name}${dryRun ? ' --dry-run' : ''}`)
  return {stage: ctx.stage.name, dryRun, hosts: hosts.map(toPruneHost)}
}
