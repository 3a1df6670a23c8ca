import chalk from 'chalk'

import type {ExecHostResult, ExecResult} from '../ops/exec.js'
import type {ReportLine} from '../remote/report-lines.js'
import {renderTable} from './table.js'

/** Pure: a parsed output line back to the text the command printed (lines starting `::upsc ` are parsed on the way). */
export function lineText(line: ReportLine): string {
  switch (line.kind) {
    case 'log':
      return line.text
    case 'warn':
      return `::upsc warn ${line.message}`
    case 'step':
      return `::upsc step ${line.name} ${line.status}${line.seconds === undefined ? '' : ` ${line.seconds}s`}${line.detail ? ` ${line.detail}` : ''}`
    case 'record':
      return `::upsc record ${JSON.stringify(line.record)}`
    case 'result':
      return `::upsc result ${JSON.stringify(line.result)}`
  }
}

const isOwnResult = (line: ReportLine) => line.kind === 'result' && Object.keys(line.result).join() === 'exitCode'

/**
 * The live output of `upsc exec`: each line as the command printed it, prefixed by its instance when
 * several hosts run. exec.sh ends with a newline of its own and its result line: both are hidden
 * (a blank line is held back until the next line shows whether it was that newline).
 */
export class ExecOutput {
  private readonly heldBlank = new Set<string>()

  constructor(private readonly multiHost: boolean) {}

  /** The lines to print for one output line of one instance. */
  push(instanceId: string, line: ReportLine): string[] {
    const out: string[] = []
    const held = this.heldBlank.delete(instanceId)
    if (isOwnResult(line)) return out
    if (held) out.push(this.prefixed(instanceId, ''))
    if (line.kind === 'log' && line.text === '') this.heldBlank.add(instanceId)
    else out.push(this.prefixed(instanceId, lineText(line)))
    return out
  }

  /** At the end: blank lines still held were the command's own. */
  flush(): string[] {
    const out = [...this.heldBlank].map((id) => this.prefixed(id, ''))
    this.heldBlank.clear()
    return out
  }

  private prefixed(instanceId: string, text: string): string {
    return this.multiHost ? `[${instanceId}]${text ? ` ${text}` : ''}` : text
  }
}

const label = (h: ExecHostResult) => (h.name ? `${h.name} (${h.instanceId})` : h.instanceId)

function resultText(h: ExecHostResult, timeoutSeconds: number): string {
  switch (h.outcome) {
    case 'succeeded':
      return chalk.green('ok')
    case 'failed':
      return chalk.red('failed')
    case 'timed-out':
      return chalk.red(`timed out after ${timeoutSeconds}s`)
    case 'unreachable':
      return chalk.red(`not delivered: ${h.status}`)
    case 'not-sent':
      return chalk.red(`not sent: ${h.reason}`)
    default:
      return chalk.yellow(h.outcome)
  }
}

/**
 * Pure: what follows the output. One host: nothing when it succeeded, else one line saying how it
 * ended. Several: a table of every host and the exit code. Stderr the host could not merge (the
 * payload itself failed) is shown for the hosts that failed.
 */
export function renderExecSummary(result: ExecResult, options: {timeoutSeconds: number}): string {
  const lines: string[] = []
  const failed = result.hosts.filter((h) => h.exitCode !== 0)
  if (result.hosts.length > 1) {
    lines.push(
      renderTable(
        ['Instance', 'Result', 'Exit'],
        result.hosts.map((h) => [label(h), resultText(h, options.timeoutSeconds), String(h.exitCode)]),
      ),
    )
    lines.push(
      failed.length === 0
        ? `All ${result.hosts.length} instances succeeded.`
        : `${failed.length} of ${result.hosts.length} instances failed; exit code ${result.exitCode}.`,
    )
  } else if (failed.length === 1) {
    const h = failed[0]!
    lines.push(`${label(h)}: ${h.outcome === 'failed' ? chalk.red(`exit ${h.exitCode}`) : `${resultText(h, options.timeoutSeconds)} (exit ${h.exitCode})`}`)
  }
  for (const h of failed) if (h.stderr.trim()) lines.push(`${label(h)} stderr:\n${h.stderr.trimEnd()}`)
  if (result.interrupted) lines.push(chalk.yellow('Interrupted: the command was cancelled on the hosts.'))
  if (result.hosts.some((h) => h.outputSource === 'invocation' && h.stdoutTruncated))
    lines.push(
      chalk.yellow(
        'Note: CloudWatch output was not available; the output above comes from GetCommandInvocation, which keeps only the first 24,000 characters.',
      ),
    )
  if (lines.length > 0) lines.push(chalk.dim(`Run Command id: ${result.commandId}`))
  return lines.join('\n')
}
