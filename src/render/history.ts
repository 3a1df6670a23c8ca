import chalk from 'chalk'

import type {DeploymentRecord, RollbackPlan} from '../history/records.js'
import type {LockResult} from '../ops/lock.js'
import {renderTable} from './table.js'
import {formatDuration} from '../util/duration.js'

const short = (commit?: string | null) => (commit ? commit.slice(0, 7) : '-')

/** The caller's ARN shortened to what identifies a person: `assumed-role/Role/jane` -> `Role/jane`. */
export function shortCaller(arn?: string | null): string {
  if (!arn) return '-'
  const resource = arn.split(':').slice(5).join(':')
  const parts = resource.split('/')
  if (parts[0] === 'assumed-role' && parts.length >= 3)
    return `${parts[1]!.replace(/^AWSReservedSSO_/, '').replace(/_[0-9a-f]{16}$/, '')}/${parts.slice(2).join('/')}`
  return resource || arn
}

function colourOutcome(outcome: string): string {
  if (outcome === 'succeeded') return chalk.green(outcome)
  if (outcome === 'rolled-back' || outcome === 'interrupted') return chalk.yellow(outcome)
  return chalk.red(outcome)
}

/** Pure: history records -> a table, newest first (with an instance column when several hosts). */
export function renderHistory(records: DeploymentRecord[], options: {multiHost: boolean}): string {
  if (records.length === 0) return 'No deployments recorded yet.'
  const head = ['When', ...(options.multiHost ? ['Instance'] : []), 'Id', 'Who', 'Kind', 'Branch', 'Commit', 'Outcome', 'Duration']
  const rows = records.map((r) => [
    (r.startedAt ?? '').replace('T', ' ').replace('Z', ''),
    ...(options.multiHost ? [r.instanceId ?? ''] : []),
    r.id,
    shortCaller(r.caller),
    r.kind + (r.auto ? ' (auto)' : ''),
    r.branch ?? '-',
    short(r.commit),
    colourOutcome(r.outcome) + (r.failedStep ? chalk.dim(` at ${r.failedStep}`) : ''),
    r.durationSeconds != null ? formatDuration(r.durationSeconds) : '',
  ])
  return renderTable(head, rows)
}

/** Pure: what a rollback will do, host by host. */
export function renderRollbackPlan(plans: RollbackPlan[]): string {
  return plans
    .map(
      (p) =>
        `${p.instanceId}: ${p.fromBranch ?? '?'} @ ${short(p.fromCommit)}  ->  ${p.to.branch ?? '?'} @ ${short(p.to.commit)} (deployment ${p.to.id}, ${p.to.finishedAt ?? p.to.startedAt ?? ''})`,
    )
    .join('\n')
}

/** Pure: the lock on each host. */
export function renderLock(result: LockResult): string {
  const rows = result.hosts.map((h) => {
    const holder = h.holder
    const {hold} = h
    const state = h.released
      ? chalk.green('released')
      : hold
        ? chalk.red('on hold')
        : h.held
          ? chalk.yellow('held')
          : h.stale
            ? chalk.yellow('stale')
            : chalk.green('free')
    const pid = holder?.pid != null ? `${holder.pid}${holder.alive === false ? ' (dead)' : holder.alive ? ' (alive)' : ''}` : ''
    const instance = h.name ? `${h.name} (${h.instanceId})` : h.instanceId
    // A hold's row names the operator and the message; the run lock's note comes after it.
    if (hold)
      return [
        instance,
        state,
        shortCaller(hold.caller),
        hold.since,
        holder?.branch ?? '',
        pid,
        `"${hold.message}"${hold.expiresAt ? ` until ${hold.expiresAt}` : ''}${h.held ? '; a run holds the lock now' : ''}`,
      ]
    return [instance, state, holder ? shortCaller(holder.caller) : '', holder?.since ?? '', holder?.branch ?? '', pid, h.message]
  })
  return renderTable(['Instance', 'Lock', 'Holder', 'Since', 'Branch', 'Pid', 'Note'], rows)
}
