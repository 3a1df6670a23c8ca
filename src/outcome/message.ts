/**
 * Pure: a deploy or rollback report -> the SNS notification (subject and plain-text body), and
 * whether to send one at all. The body is written for email: one fact per line, labels aligned.
 */
import type {HostReport, OperationReport} from './announcement.js'
import {formatDuration} from '../util/duration.js'

/** SNS refuses longer subjects; email clients cut them around there too. */
export const MAX_SUBJECT_LENGTH = 100

/** SNS messages are at most 256 KiB; keep a margin for the JSON envelope of SQS/HTTP subscribers. */
export const MAX_MESSAGE_BYTES = 240 * 1024

/** Failures and rollbacks are always announced; successes only when the stage asks. */
export function shouldNotify(report: OperationReport, onSuccess: boolean): boolean {
  if (report.kind === 'rollback') return true
  return report.outcome !== 'succeeded' || onSuccess
}

const short = (commit?: string) => (commit ? commit.slice(0, 7) : undefined)

const firstFailure = (report: OperationReport): HostReport | undefined => report.hosts.find((h) => h.outcome !== 'succeeded')

/** " on 1 of 3 hosts" when only some hosts are concerned. */
function hostShare(report: OperationReport, concerned: number): string {
  return report.hosts.length > 1 && concerned < report.hosts.length ? ` on ${concerned} of ${report.hosts.length} hosts` : ''
}

/** SNS subjects: printable ASCII, no line breaks (anything else is refused). */
const asciiLine = (text: string) => text.replace(/[^\x20-\x7e]/g, '?')

/**
 * Pure: e.g. `[upsc] stage2: deploy of bad-health @ 3a4f2c1 failed at health, rolled back`, at
 * most 100 characters: a long branch name is shortened (with ...) so that the outcome stays.
 */
export function notificationSubject(report: OperationReport): string {
  const failure = firstFailure(report)
  const at = failure?.failedStep ? ` at ${failure.failedStep}` : ''
  const failedHosts = report.hosts.filter((h) => h.outcome !== 'succeeded').length
  const build = (branch: string) => {
    const what = `${branch}${report.commit ? ` @ ${short(report.commit)}` : ''}`
    const prefix = `[upsc] ${report.stage}: `
    if (report.kind === 'rollback')
      return report.outcome === 'succeeded' ? `${prefix}rolled back to ${what}` : `${prefix}rollback to ${what} FAILED${at}${hostShare(report, failedHosts)}`
    if (report.outcome === 'succeeded') return `${prefix}deployed ${what}`
    if (report.outcome === 'rolled-back') return `${prefix}deploy of ${what} failed${at}, rolled back${hostShare(report, failedHosts)}`
    return `${prefix}deploy of ${what} FAILED${at}${hostShare(report, failedHosts)}`
  }
  const branch = asciiLine(report.branch ?? '?')
  const full = asciiLine(build(branch))
  if (full.length <= MAX_SUBJECT_LENGTH) return full
  const room = branch.length - (full.length - MAX_SUBJECT_LENGTH) - 3
  // A stage name too long to leave room for the branch: cut the end instead.
  if (room < 8) return `${full.slice(0, MAX_SUBJECT_LENGTH - 3)}...`
  return asciiLine(build(`${branch.slice(0, room)}...`))
}

const TITLE: Record<OperationReport['outcome'], string> = {succeeded: 'SUCCEEDED', failed: 'FAILED', 'rolled-back': 'ROLLED BACK'}

function outcomeText(report: OperationReport): string {
  if (report.outcome === 'rolled-back') return 'rolled back (the new version failed; the previous version serves again)'
  if (report.kind === 'rollback' && report.outcome === 'succeeded') return 'succeeded (the older version serves again)'
  return report.outcome
}

const line = (label: string, value: string, width: number) => `${`${label}:`.padEnd(width + 2)}${value}`

function hostBlock(report: OperationReport, h: HostReport): string[] {
  const lines = [`Host ${h.name ? `${h.name} (${h.instanceId})` : h.instanceId}: ${h.outcome}`]
  const field = (label: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`  ${line(label, value, 11)}`)
  }
  if (h.commit && h.commit !== report.commit) field('Commit', h.commit)
  field('Failed step', h.failedStep)
  field('Reason', h.outcome === 'succeeded' ? undefined : h.reason)
  field('Next', h.outcome === 'succeeded' ? undefined : h.advice)
  field('Duration', h.durationSeconds !== undefined ? formatDuration(h.durationSeconds) : undefined)
  field('Output', h.logsCommand)
  return lines
}

/** Pure: the notification's body (plain text). */
export function notificationMessage(report: OperationReport): string {
  const head = [
    `upsc ${report.kind} on ${report.stage}: ${TITLE[report.outcome]} (exit ${report.exitCode})`,
    '',
    line('Stage', report.stage, 9),
    line('Branch', report.branch ?? '?', 9),
    line('Commit', report.commit ?? 'unknown (not fetched)', 9),
    line('Who', report.who, 9),
    line('Outcome', outcomeText(report), 9),
    ...(report.durationSeconds !== undefined
      ? [line('Duration', `${formatDuration(report.durationSeconds)}${report.hosts.length > 1 ? ' (longest host)' : ''}`, 9)]
      : []),
    line('When', report.at, 9),
    ...(report.deployId ? [line('Deploy id', report.deployId, 9)] : []),
    ...(report.commandIds.length > 0 ? [line('Command', report.commandIds.join(', '), 9)] : []),
  ]
  const text = [...head, ...report.hosts.flatMap((h) => ['', ...hostBlock(report, h)]), ''].join('\n')
  if (Buffer.byteLength(text) <= MAX_MESSAGE_BYTES) return text
  // Only a very large fleet gets here: keep the head and as many hosts as fit.
  const cut = '\n... (cut: too long for SNS; `upsc history` has every host)\n'
  return `${Buffer.from(text)
    .subarray(0, MAX_MESSAGE_BYTES - cut.length)
    .toString()
    .replace(/\uFFFD$/, '')}${cut}`
}
