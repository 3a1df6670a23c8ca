import chalk from 'chalk'

import {formatBytes} from '../status/evaluate.js'
import type {InstanceStatus, StatusResult, Verdict} from '../status/types.js'
import {renderTable, type Row} from './table.js'

const MARK: Record<Verdict, string> = {ok: '✔', warn: '!', fail: '✖', skip: '-'}

export function verdictMark(verdict: Verdict): string {
  const mark = MARK[verdict]
  return verdict === 'ok' ? chalk.green(mark) : verdict === 'warn' ? chalk.yellow(mark) : verdict === 'fail' ? chalk.red(mark) : chalk.dim(mark)
}

/** Pure: the status result -> a table grouped by instance, then the summary line. */
export function renderStatus(result: StatusResult): string {
  const rows: Row[] = []
  for (const instance of result.instances) {
    const title = instance.name ? `${instance.name} (${instance.instanceId})` : instance.instanceId
    rows.push([{colSpan: 3, content: `${verdictMark(instance.verdict)} ${chalk.bold(title)}`}])
    for (const c of instance.checks) rows.push([verdictMark(c.verdict), c.label, c.verdict === 'fail' ? chalk.red(c.detail) : c.detail])
  }
  const header = chalk.dim(`stage ${result.stage}${result.region ? ` · ${result.region}` : ''} · checked ${result.checkedAt}`)
  return `${header}\n${renderTable(['', 'Check', 'Detail'], rows)}\n${renderSummary(result)}`
}

export function renderSummary(result: StatusResult): string {
  const {summary} = result
  const warnings = summary.warnings > 0 ? chalk.yellow(` (${summary.warnings} warning${summary.warnings === 1 ? '' : 's'})`) : ''
  const counts = `${summary.healthy}/${summary.instances} instance${summary.instances === 1 ? '' : 's'} healthy`
  const deploys = summary.deploys ? `\n${renderDeployStats(summary.deploys)}` : ''
  if (summary.failing === 0) return `${chalk.green('✔')} ${result.stage}: ${counts}${warnings}${deploys}`
  const failed = summary.failed.map((f) => `${f.name ?? f.instanceId}: ${f.checks.join(', ')}`).join('; ')
  return `${chalk.red('✖')} ${result.stage}: ${counts}${warnings} — failing: ${failed}${deploys}`
}

/** Pure: e.g. `Deploys: 2 of the last 20 failed (10%)`. */
export function renderDeployStats(stats: NonNullable<StatusResult['summary']['deploys']>): string {
  const rate = `${Math.round(stats.failureRate * 1000) / 10}%`
  const text = `Deploys: ${stats.failed} of the last ${stats.deploys} failed (${rate})`
  return stats.failed === 0 ? text : chalk.yellow(text)
}

/** Pure: one host's row of the fleet view. */
export function fleetRow(i: InstanceStatus): string[] {
  const p = i.probe
  const services = p?.services ?? []
  const up = services.filter((s) => s.state === 'running' && s.health !== 'unhealthy' && s.health !== 'starting').length
  const health = i.checks.filter((c) => c.id.startsWith('health.'))
  const failing = i.checks.filter((c) => c.verdict === 'fail').map((c) => c.label)
  const last = p?.lastDeployment
  const lastText = last ? `${String(last.outcome ?? '?')}${typeof last.finishedAt === 'string' ? ` ${last.finishedAt}` : ''}` : ''
  const free = p?.host?.diskFreePercent
  const disk = free == null ? '' : `${p?.host?.diskFreeBytes == null ? '' : `${formatBytes(p.host.diskFreeBytes)} `}${free.toFixed(0)}% free`
  const checks = `${health.filter((c) => c.verdict === 'ok').length}/${health.length}`
  return [
    i.name ? `${i.name} (${i.instanceId})` : i.instanceId,
    `${verdictMark(i.verdict)} ${i.verdict}`,
    (p?.repo?.commit ?? '').slice(0, 7),
    services.length ? `${up}/${services.length}` : '',
    checks,
    lastText,
    disk,
    failing.length ? chalk.red(failing.join(', ')) : '',
  ]
}

/** Pure: one row per host (a fleet), then the summary line; `upsc status --details` gives renderStatus. */
export function renderFleet(result: StatusResult): string {
  const header = chalk.dim(`stage ${result.stage}${result.region ? ` · ${result.region}` : ''} · checked ${result.checkedAt}`)
  const table = renderTable(['Host', 'Verdict', 'Commit', 'Services', 'Health checks', 'Last deploy', 'Disk', 'Failing'], result.instances.map(fleetRow))
  return `${header}\n${table}\n${renderSummary(result)}`
}

/** Pure: the fleet view for more than one host, unless details are asked for. */
export function renderStatusView(result: StatusResult, details: boolean): string {
  return details || result.instances.length <= 1 ? renderStatus(result) : renderFleet(result)
}
