import chalk from 'chalk'

import type {CancelledHost, DeployResult, RollbackResult} from '../outcome/results.js'
import type {HostResult, StepResult} from '../outcome/host-result.js'
import type {StepEvent} from '../remote/report-lines.js'
import {renderTable} from './table.js'
import {formatDuration} from '../util/duration.js'

const STEP_LABELS: Record<string, string> = {
  validate: 'Checking the settings',
  lock: 'Taking the deploy lock',
  target: 'Choosing the rollback target',
  restore: 'Restoring the images',
  docker: 'Waiting for Docker',
  token: 'Reading the GitHub token',
  fetch: 'Fetching',
  checkout: 'Checking out',
  build: 'Building',
  tag: 'Tagging images',
  up: 'Starting services',
  health: 'Health gate',
  'rollback-checkout': 'Rolling back: checking out',
  'rollback-restore': 'Rolling back: restoring the images',
  'rollback-build': 'Rolling back: rebuilding (images were gone)',
  'rollback-up': 'Rolling back: starting services',
  'rollback-health': 'Rolling back: health gate',
  retention: 'Pruning old images',
  start: 'Starting the idle colour',
  gate: 'Health gate (idle colour)',
  switch: 'Switching the proxy',
  shared: 'Updating the shared services',
}

export const stepLabel = (name: string, branch?: string): string => (name === 'fetch' && branch ? `Fetching ${branch}` : (STEP_LABELS[name] ?? name))

const seconds = (s?: number) => (s === undefined ? '' : formatDuration(s))

/** Pure: one progress line for a step event, e.g. `✔ Fetching feature-x ... done 3a4f2c1 (2.1s)`. */
export function formatStepEvent(e: StepEvent, branch?: string): string {
  const label = stepLabel(e.name, branch)
  if (e.status === 'start') return `${chalk.cyan('▸')} ${label} ...`
  if (e.status === 'ok') return `${chalk.green('✔')} ${label} ... done${e.detail ? ` ${e.detail}` : ''} (${seconds(e.seconds)})`
  return `${chalk.red('✖')} ${label} ... failed${e.seconds !== undefined ? ` (${seconds(e.seconds)})` : ''}${e.detail ? `: ${e.detail}` : ''}`
}

const short = (commit: unknown) => (typeof commit === 'string' ? commit.slice(0, 7) : '?')

function outcomeLine(host: HostResult, verb: string, branch?: string): string {
  const r = host.result ?? {}
  const what = `${String(r.branch ?? branch ?? '?')} @ ${short(r.commit)}`
  const total = typeof r.durationSeconds === 'number' ? ` in ${seconds(r.durationSeconds)}` : ''
  switch (host.outcome) {
    case 'succeeded':
      return `${chalk.green('✔')} ${verb} ${what}${total}`
    case 'rolled-back':
      return `${chalk.yellow('↺')} ${verb} of ${what} failed${r.failedStep ? ` at ${String(r.failedStep)}` : ''}; rolled back to ${short(r.rolledBackTo ?? r.previousCommit)}${host.reason ? ` (${host.reason})` : ''}`
    case 'lock-held':
      return `${chalk.red('✖')} Another deploy holds the lock: ${host.reason ?? ''}`
    case 'running':
      return `${chalk.yellow('…')} Still running on the host`
    default:
      return `${chalk.red('✖')} ${verb} of ${what} ${host.outcome}${r.failedStep ? ` at ${String(r.failedStep)}` : ''}${host.reason ? `: ${host.reason}` : ''}`
  }
}

function stepTable(steps: StepResult[], branch?: string): string {
  return renderTable(
    ['Step', 'Result', 'Time', 'Detail'],
    steps.map((s) => [
      stepLabel(s.name, branch),
      s.status === 'ok' ? chalk.green('ok') : s.status === 'fail' ? chalk.red('failed') : s.status,
      seconds(s.seconds),
      s.detail ?? '',
    ]),
  )
}

function healthLines(result?: Record<string, unknown>): string[] {
  const checks = Array.isArray(result?.healthChecks)
    ? (result.healthChecks as {name: string; ok: boolean; status?: number | null; expect?: number; error?: string | null}[])
    : []
  return checks.map(
    (c) =>
      `  ${c.ok ? chalk.green('✔') : chalk.red('✖')} health ${c.name}: ${c.status ? `HTTP ${c.status}` : (c.error ?? 'no answer')}${c.ok ? '' : `, expected ${c.expect ?? 200}`}`,
  )
}

/** Pure: the final summary of a deploy or rollback for one or several hosts. */
export function renderHostResults(hosts: HostResult[], options: {verb: string; branch?: string; commandId: string}): string {
  const lines: string[] = []
  if (hosts.length > 1) {
    const rows = hosts.map((h) => {
      const r = h.result ?? {}
      return [
        h.name ? `${h.name} (${h.instanceId})` : h.instanceId,
        h.outcome === 'succeeded' ? chalk.green(h.outcome) : chalk.red(h.outcome),
        short(r.commit),
        typeof r.durationSeconds === 'number' ? seconds(r.durationSeconds) : '',
        h.reason ?? '',
      ]
    })
    lines.push(renderTable(['Instance', 'Outcome', 'Commit', 'Duration', 'Reason'], rows))
  }
  for (const h of hosts) {
    if (hosts.length > 1) lines.push(chalk.bold(h.name ? `${h.name} (${h.instanceId})` : h.instanceId))
    if (h.steps.length > 0) lines.push(stepTable(h.steps, options.branch))
    lines.push(...healthLines(h.result))
    lines.push(outcomeLine(h, options.verb, options.branch))
    if (h.advice && h.outcome !== 'succeeded') lines.push(`${chalk.dim('Next:')}  ${h.advice}`)
    if (h.outputTruncated)
      lines.push(
        chalk.yellow(
          'Note: CloudWatch output was not available; the output above comes from GetCommandInvocation, which keeps only the first 24,000 characters.',
        ),
      )
  }
  lines.push(chalk.dim(`Run Command id: ${options.commandId}`))
  return lines.join('\n')
}

/** Pure: what `deploy --cancel` did on each host, naming the deploy, its branch and its commit. */
export function renderCancel(hosts: CancelledHost[]): string {
  return hosts
    .map((h) => {
      const where = h.name ? `${h.name} (${h.instanceId})` : h.instanceId
      const what = `${h.deployId ? `deploy ${h.deployId} of ` : ''}${h.branch ?? '?'} @ ${short(h.commit)}`
      switch (h.how) {
        case 'graceful':
          return `${chalk.green('✔')} Cancelled ${what} on ${where}: it stopped gracefully, put back what runs and recorded the attempt as cancelled.`
        case 'forced':
          return `${chalk.yellow('✔')} Cancelled ${what} on ${where} by force (CancelCommand killed it)${h.message ? `: ${h.message}` : ''}`
        case 'not-running':
          return `${chalk.dim('•')} Nothing to cancel on ${where}: ${h.message}`
        default:
          return `${chalk.red('✖')} Could not cancel ${what} on ${where}: ${h.message}`
      }
    })
    .join('\n')
}

/** Pure: how to follow or cancel a deploy that goes on without upsc watching. */
function followHint(commandId: string, stageFlag?: string): string {
  const stage = stageFlag ? ` --stage ${stageFlag}` : ''
  return `Follow it:  upsc deploy${stage} --attach ${commandId}\nCancel it:  upsc deploy${stage} --cancel ${commandId}`
}

/** Pure: what `upsc deploy` prints at its end: each host's result, what --cancel did, or where the deploy goes on. */
export function renderDeployEnd(result: DeployResult, options: {detach: boolean; stageFlag?: string}): string {
  if (result.detached) {
    const again = followHint(result.commandId, options.stageFlag)
    return options.detach ? `Deploy sent: Run Command ${result.commandId}.\n${again}` : `\nStopped following. The deploy goes on on the host.\n${again}`
  }
  return result.cancelled
    ? renderCancel(result.cancelled)
    : renderHostResults(result.hosts, {verb: 'Deploy', branch: result.branch, commandId: result.commandId})
}

/** Pure: what `upsc rollback` prints at its end. */
export function renderRollbackEnd(result: RollbackResult): string {
  if (result.detached) return `\nStopped following. The rollback goes on on the host.\nFollow it: upsc deploy --attach ${result.commandIds.at(-1)}`
  return renderHostResults(result.hosts, {verb: 'Rollback', commandId: result.commandIds.join(', ')})
}
