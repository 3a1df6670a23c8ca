/**
 * Pure: deployment history records as the hosts print them (docs/REMOTE-CONTRACT.md), merged
 * across hosts, and the choice of a rollback target.
 */

export interface DeploymentRecord {
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
  return value.filter((r): r is DeploymentRecord => typeof r === 'object' && r !== null && typeof (r as DeploymentRecord).id === 'string' && typeof (r as DeploymentRecord).outcome === 'string')
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
 * The host's rule (rollback.sh), decided here first so the user can confirm it: the newest
 * succeeded deployment whose commit is not the running one, or the one `--to` names (an id, or
 * a commit / unique prefix of one). Returns the plan or the reason there is none.
 */
export function planRollback(history: HostHistory, to?: string): RollbackPlan | {instanceId: string; problem: string} {
  const running = history.current?.commit ?? history.records.find((r) => r.outcome === 'succeeded')?.commit ?? undefined
  const succeeded = history.records.filter((r) => r.outcome === 'succeeded' && r.commit)
  const base = {instanceId: history.instanceId, ...(running ? {fromCommit: running} : {}), ...(history.current?.branch ? {fromBranch: history.current.branch} : {})}
  if (to) {
    const byId = succeeded.find((r) => r.id === to)
    const byCommit = [...new Map(succeeded.filter((r) => r.commit!.startsWith(to)).map((r) => [r.commit!, r])).values()]
    if (!byId && byCommit.length === 0) {
      const any = history.records.find((r) => r.id === to || r.commit?.startsWith(to))
      return {instanceId: history.instanceId, problem: any ? `deployment ${any.id} (${any.commit?.slice(0, 12) ?? 'no commit'}) did not succeed (${any.outcome}); only succeeded deployments can be rolled back to` : `unknown rollback target ${to}: no succeeded deployment has that id or commit`}
    }
    if (!byId && byCommit.length > 1) return {instanceId: history.instanceId, problem: `${to} matches ${byCommit.length} deployed commits; give more digits or a deployment id`}
    const target = byId ?? byCommit[0]!
    if (target.commit === running) return {instanceId: history.instanceId, problem: `${target.commit!.slice(0, 12)} is already the running commit`}
    return {...base, to: target}
  }
  const target = succeeded.find((r) => r.commit !== running)
  if (!target) return {instanceId: history.instanceId, problem: `nothing to roll back to: no succeeded deployment other than the running commit${running ? ` ${running.slice(0, 12)}` : ''}`}
  return {...base, to: target}
}
