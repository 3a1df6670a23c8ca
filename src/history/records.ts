/**
 * Pure: deployment history records as the hosts print them (docs/REMOTE-CONTRACT.md), merged
 * across hosts, and the rollback target each host chose.
 */

// A type, not an interface: a host document, open to keys upsc does not read (render/json-schemas.ts).
export type DeploymentRecord = {
  id: string
  kind: 'deploy' | 'rollback' | 'app'
  branch?: string | null
  commit?: string | null
  previousCommit?: string | null
  startedAt?: string
  finishedAt?: string
  durationSeconds?: number
  outcome: string
  failedStep?: string | null
  reason?: string | null
  rolledBackTo?: string | null
  auto?: boolean
  /** The run was told to skip the stage's hooks (--skip-hooks). */
  hooksSkipped?: boolean
  caller?: string | null
  toolVersion?: string | null
  hostname?: string | null
  /** blueGreen stages: the colour serving after this attempt (docs/BLUE-GREEN.md). */
  colour?: 'blue' | 'green'
  /** Added by the CLI: which instance the record comes from. */
  instanceId?: string
}

export interface HostHistory {
  instanceId: string
  records: DeploymentRecord[]
  /** current.json: what the stack was last started from. */
  current?: {commit?: string; branch?: string; id?: string; since?: string} | null
  skipped: number
}

/** Keep only well-formed records (a host's bash check looks at a line's ends only). */
export function toRecords(value: unknown): DeploymentRecord[] {
  if (!Array.isArray(value)) return []
  return value.filter(
    (r): r is DeploymentRecord =>
      typeof r === 'object' && r !== null && typeof (r as DeploymentRecord).id === 'string' && typeof (r as DeploymentRecord).outcome === 'string',
  )
}

/** Newest first across hosts, each record labelled with its instance. */
export function mergeHistories(histories: HostHistory[], limit: number): DeploymentRecord[] {
  return histories
    .flatMap((h) => h.records.map((r) => ({...r, instanceId: h.instanceId})))
    .sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, limit)
}

export interface RollbackPlan {
  instanceId: string
  fromCommit?: string
  fromBranch?: string
  to: DeploymentRecord
}

/**
 * Pure: what a host chose as its rollback target. The rule lives on the host alone
 * (`rollback_target` in lib.sh: the newest succeeded deployment whose commit is not the running
 * one, or the one `--to` names); history.sh reports its answer, and this only reads it.
 */
export function hostRollbackPlan(instanceId: string, result: Record<string, unknown> | undefined): RollbackPlan | {instanceId: string; problem: string} {
  const plan = result?.rollback as {running?: string | null; target?: unknown; problem?: string | null} | undefined
  const [target] = toRecords([plan?.target])
  if (!plan || !target) return {instanceId, problem: plan?.problem ?? 'the host did not say what it would roll back to'}
  const current = result?.current as HostHistory['current']
  return {
    instanceId,
    ...(plan.running ? {fromCommit: plan.running} : {}),
    ...(current?.branch && current.commit === plan.running ? {fromBranch: current.branch} : {}),
    to: target,
  }
}
