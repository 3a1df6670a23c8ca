/** `upsc lock status|acquire|release`: the deploy lock and the operator's hold on each host (lock.sh). */
import type {StageContext} from './context.js'
import {usageError} from '../errors/upsc-error.js'
import type {HostResult} from '../outcome/host-result.js'
import {runHostScript} from '../engine/host-script.js'
import {callerArn, reachableTargets} from './preflight.js'

export interface LockState {
  instanceId: string
  name?: string
  held: boolean
  stale: boolean
  released: boolean
  forced: boolean
  holder: {kind?: string; id?: string; caller?: string; pid?: number; since?: string; branch?: string; commandId?: string; alive?: boolean} | null
  message: string
  /** An operator's hold (`upsc lock acquire`): deploys and rollbacks refuse while it is in force. */
  hold: Hold | null
  exitCode: number
}

export interface Hold {
  message: string
  caller: string | null
  since: string
  /** null: until released. */
  expiresAt: string | null
  commandId: string | null
}

export type LockAction = 'status' | 'acquire' | 'release'

export interface HoldRequest {
  message: string
  ttlSeconds?: number
}

export interface LockResult {
  stage: string
  action: LockAction
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
    hold: toHold(r.hold),
    exitCode: host.exitCode,
  }
}

function toHold(value: unknown): Hold | null {
  if (typeof value !== 'object' || value === null) return null
  const h = value as Record<string, unknown>
  const text = (v: unknown) => (typeof v === 'string' ? v : null)
  return {message: text(h.message) ?? '', caller: text(h.caller), since: text(h.since) ?? '', expiresAt: text(h.expiresAt), commandId: text(h.commandId)}
}

/** Pure: `-m` checked before any AWS call (`--ttl` is checked as it is parsed: cli/flags.ts). */
export function checkHold(message: string, ttlSeconds?: number): HoldRequest {
  const text = message.trim()
  if (text.length === 0 || text.length > 500 || /[\p{Cc}]/u.test(text))
    throw usageError(
      'bad-lock-message',
      'The lock message must be 1 to 500 characters on one line.',
      'Say why deploys are held, e.g. -m "incident 42: database failover".',
    )
  return ttlSeconds === undefined ? {message: text} : {message: text, ttlSeconds}
}

export async function runLock(ctx: StageContext, action: LockAction, force: boolean, hold?: HoldRequest): Promise<LockResult> {
  const [targets, caller] = await Promise.all([reachableTargets(ctx), action === 'acquire' ? callerArn(ctx.clients) : undefined])
  const settings = {
    UPSC_LOCK_ACTION: action,
    UPSC_FORCE: force ? 1 : undefined,
    UPSC_LOCK_MESSAGE: hold?.message,
    UPSC_LOCK_TTL_SECONDS: hold?.ttlSeconds,
    UPSC_CALLER: caller,
  }
  const hosts = await runHostScript(ctx, targets, 'lock', settings, `upsc lock ${action} ${ctx.stage.name}`)
  return {stage: ctx.stage.name, action, hosts: hosts.map(toLockState)}
}
