/** `upsc lock status|release`: the deploy lock on each host (lock.sh). */
import type {StageContext} from '../base-command.js'
import type {HostResult} from './host-result.js'
import {runHostScript} from './host-script.js'
import {reachableTargets} from './preflight.js'

export interface LockState {
  instanceId: string
  name?: string
  held: boolean
  stale: boolean
  released: boolean
  forced: boolean
  holder: {kind?: string; id?: string; caller?: string; pid?: number; since?: string; branch?: string; commandId?: string; alive?: boolean} | null
  message: string
  exitCode: number
}

export interface LockResult {
  stage: string
  action: 'status' | 'release'
  hosts: LockState[]
}

/** Pure: lock.sh's result for one host -> its lock state. */
export function toLockState(host: HostResult): LockState {
  const r = host.result ?? {}
  return {
    instanceId: host.instanceId,
    ...(host.name ? {name: host.name} : {}),
    held: r.held === true,
    stale: r.stale === true,
    released: r.released === true,
    forced: r.forced === true,
    holder: (r.holder as LockState['holder']) ?? null,
    message: typeof r.message === 'string' ? r.message : (host.reason ?? ''),
    exitCode: host.exitCode,
  }
}

export async function runLock(ctx: StageContext, action: 'status' | 'release', force: boolean): Promise<LockResult> {
  const targets = await reachableTargets(ctx)
  const hosts = await runHostScript(ctx, targets, 'lock', {UPSC_LOCK_ACTION: action, UPSC_FORCE: force ? 1 : undefined}, `upsc lock ${action} ${ctx.stage.name}`)
  return {stage: ctx.stage.name, action, hosts: hosts.map(toLockState)}
}
