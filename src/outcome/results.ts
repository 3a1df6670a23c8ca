/**
 * What a deploy, a rollback or a cancel ended with: the typed results the commands print (as JSON
 * with --json), render and announce. Here, not beside each use case, so that deploy, rollback,
 * cancel and announce share them without importing each other.
 */
import type {RollbackPlan} from '../history/records.js'
import type {HostResult} from './host-result.js'

export interface DeployResult {
  stage: string
  commandId: string
  deployId?: string
  branch?: string
  ref?: string
  /** Following stopped (Ctrl-C, --detach): the deploy goes on on the hosts. */
  detached: boolean
  hosts: HostResult[]
  exitCode: number
  /** Metrics or a notification that could not be sent (the outcome stands). */
  warnings?: string[]
  /** `--cancel`: what happened on each host (ops/cancel.ts). */
  cancelled?: CancelledHost[]
}

export interface RollbackResult {
  stage: string
  plans: RollbackPlan[]
  commandIds: string[]
  hosts: HostResult[]
  exitCode: number
  detached: boolean
  /** Metrics or a notification that could not be sent (the outcome stands). */
  warnings?: string[]
}

export type CancelHow = 'graceful' | 'forced' | 'not-running' | 'failed'

export interface CancelledHost {
  instanceId: string
  name?: string
  how: CancelHow
  deployId?: string
  branch?: string
  commit?: string
  message: string
}
