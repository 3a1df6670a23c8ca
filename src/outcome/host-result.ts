/**
 * Pure: one instance's Run Command outcome + the report its script printed -> the typed result
 * shown to the user, with the exit code from the table.
 */
import {describeOutcome} from './invocation.js'
import type {InstanceRun} from './invocation.js'
import {ExitCode} from '../errors/exit-codes.js'
import {UNREADABLE_RESULT_ADVICE} from '../remote/results.js'

export type HostOutcome =
  | 'succeeded'
  | 'failed'
  | 'rolled-back'
  | 'lock-held'
  | 'unreachable'
  | 'interrupted'
  | 'cancelled'
  | 'not-started'
  | 'timed-out'
  | 'running'

export interface StepResult {
  name: string
  status: string
  seconds?: number
  detail?: string
}

export interface HostResult {
  instanceId: string
  name?: string
  outcome: HostOutcome
  exitCode: number
  /** The script's result document (deploy: branch, commit, steps, healthChecks, ...). */
  result?: Record<string, unknown>
  steps: StepResult[]
  records: Record<string, unknown>[]
  warnings: string[]
  reason?: string
  advice?: string
  invocationStatus: string
  outputSource: 'cloudwatch' | 'invocation'
  /** GetCommandInvocation keeps only 24,000 characters of output. */
  outputTruncated: boolean
}

/** Pure: the steps as last reported (a start followed by ok/fail collapses into one). */
export function collapseSteps(events: {name: string; status: string; seconds?: number; detail?: string}[]): StepResult[] {
  const steps: StepResult[] = []
  for (const e of events) {
    const existing = steps.find((s) => s.name === e.name && s.status === 'start')
    if (existing) Object.assign(existing, e)
    else steps.push({...e})
  }
  return steps
}

const OUTCOME_BY_EXIT: Record<number, HostOutcome> = {0: 'succeeded', [ExitCode.rolledBack]: 'rolled-back', [ExitCode.lockHeld]: 'lock-held'}

export function hostResult(run: InstanceRun, name?: string): HostResult {
  const {invocation, report} = run
  const described = describeOutcome(invocation.outcome, invocation.responseCode)
  const result = report.result
  // The script ran to its end but its result does not match its schema: whatever its exit code, a
  // failure (exit 1) the CLI cannot vouch for.
  const unreadable = report.resultProblem !== undefined && (invocation.outcome === 'succeeded' || invocation.outcome === 'failed')
  let outcome: HostOutcome
  switch (unreadable ? 'unreadable' : invocation.outcome) {
    case 'unreadable':
      outcome = 'failed'
      break
    case 'succeeded':
    case 'failed':
      outcome = OUTCOME_BY_EXIT[invocation.responseCode] ?? (result?.outcome === 'interrupted' || result?.outcome === 'cancelled' ? result.outcome : 'failed')
      break
    case 'cancelled':
      // SSM cancels the invocations it never started once MaxErrors is exceeded.
      outcome = invocation.startedAt || invocation.stdout ? 'cancelled' : 'not-started'
      break
    case 'timed-out':
      outcome = 'timed-out'
      break
    case 'running':
      outcome = 'running'
      break
    default:
      outcome = 'unreachable'
  }
  const reason =
    typeof result?.reason === 'string' && result.reason
      ? result.reason
      : report.resultProblem
        ? report.resultProblem
        : run.missingScripts
          ? 'the host scripts were missing from its script cache: nothing ran there (see the warnings)'
          : run.notSent
            ? `not sent: ${run.notSent}`
            : outcome === 'not-started'
              ? 'not started: the rolling run stopped after too many failed hosts (--max-errors)'
              : outcome === 'succeeded'
                ? undefined
                : described.text
  return {
    instanceId: run.instanceId,
    ...(name ? {name} : {}),
    outcome,
    exitCode: outcome === 'running' ? ExitCode.interrupted : unreadable ? ExitCode.failed : described.exitCode,
    ...(result ? {result} : {}),
    steps: collapseSteps(report.steps),
    records: report.records,
    warnings: report.warnings,
    ...(reason ? {reason} : {}),
    ...(typeof result?.advice === 'string' && result.advice ? {advice: result.advice} : report.resultProblem ? {advice: UNREADABLE_RESULT_ADVICE} : {}),
    invocationStatus: invocation.status,
    outputSource: run.outputSource,
    outputTruncated: run.outputSource === 'invocation' && invocation.stdoutTruncated,
  }
}

/**
 * Pure: the exit code for several hosts. The worst wins: a failure that was not rolled back (1)
 * over unreachable (4) over lock held (6) over rolled back (5); interrupted (130) when following stopped.
 */
export function combinedExitCode(hosts: HostResult[]): number {
  const codes = hosts.map((h) => h.exitCode)
  for (const code of [ExitCode.interrupted, ExitCode.failed, ExitCode.unreachable, ExitCode.lockHeld, ExitCode.rolledBack])
    if (codes.includes(code)) return code
  return codes.find((c) => c !== 0) ?? ExitCode.ok
}
