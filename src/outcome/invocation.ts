/**
 * Pure: the vocabulary of one Run Command invocation: its statuses, the outcome each means, and
 * what an outcome means for the user (the exit code from the table).
 */
import {ExitCode} from '../errors/exit-codes.js'
import type {ParsedReport} from '../remote/report-lines.js'

export type InvocationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Delayed'
  | 'Success'
  | 'Cancelled'
  | 'Cancelling'
  | 'TimedOut'
  | 'Failed'
  | 'Undeliverable'
  | 'Terminated'

export type Outcome = 'succeeded' | 'failed' | 'timed-out' | 'delivery-timed-out' | 'cancelled' | 'undeliverable' | 'terminated' | 'running'

export interface InvocationResult {
  instanceId: string
  status: InvocationStatus | string
  statusDetails?: string
  outcome: Outcome
  /** The script's exit code (-1 when it never ran). */
  responseCode: number
  stdout: string
  stderr: string
  /** True when stdout may have been cut at 24,000 characters by GetCommandInvocation. */
  stdoutTruncated: boolean
  startedAt?: string
  finishedAt?: string
}

const TERMINAL = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed', 'Undeliverable', 'Terminated'])

export const isTerminal = (status: string): boolean => TERMINAL.has(status)

/** Pure: every Run Command status (and the details that refine it) -> one outcome. */
export function outcomeOf(status: string, statusDetails?: string): Outcome {
  switch (status) {
    case 'Success':
      return 'succeeded'
    case 'Failed':
      return 'failed'
    case 'TimedOut':
      // "Delivery Timed Out": the agent never picked it up; "Execution Timed Out": the script ran too long.
      return /deliver/i.test(statusDetails ?? '') ? 'delivery-timed-out' : 'timed-out'
    case 'Cancelled':
    case 'Cancelling':
      return 'cancelled'
    case 'Undeliverable':
      return 'undeliverable'
    case 'Terminated':
      return 'terminated'
    default:
      // Pending, InProgress, Delayed: still going.
      return 'running'
  }
}

/** Pure: an outcome -> the exit code from the table, and what it means for the user. */
export function describeOutcome(outcome: Outcome, responseCode: number): {exitCode: number; text: string} {
  switch (outcome) {
    case 'succeeded':
      return {exitCode: ExitCode.ok, text: 'succeeded'}
    case 'failed':
      return {exitCode: responseCode > 0 && responseCode < 126 ? responseCode : ExitCode.failed, text: `failed (exit ${responseCode})`}
    case 'timed-out':
      return {exitCode: ExitCode.failed, text: 'timed out on the host (execution timeout reached; the script was stopped)'}
    case 'delivery-timed-out':
      return {
        exitCode: ExitCode.unreachable,
        text: 'never delivered: the SSM agent did not pick the command up in time (is the instance running and its agent online?)',
      }
    case 'cancelled':
      return {exitCode: ExitCode.failed, text: 'cancelled'}
    case 'undeliverable':
      return {exitCode: ExitCode.unreachable, text: 'undeliverable: the instance is not reachable by SSM (stopped, terminated, or its agent/role is missing)'}
    case 'terminated':
      return {exitCode: ExitCode.unreachable, text: 'terminated: the instance was terminated during the command'}
    case 'running':
      return {exitCode: ExitCode.failed, text: 'still running'}
  }
}

export const emptyInvocation = (instanceId: string): InvocationResult => ({
  instanceId,
  status: 'Pending',
  outcome: 'running',
  responseCode: -1,
  stdout: '',
  stderr: '',
  stdoutTruncated: false,
})

/** One instance's run of a command: what SSM said, and what its script reported. */
export interface InstanceRun {
  instanceId: string
  /** The command that ran (or tried to run) the script there; empty when it was never sent. */
  commandId: string
  invocation: InvocationResult
  report: ParsedReport
  /** How the output reached us: live from CloudWatch, or from GetCommandInvocation (maybe truncated). */
  outputSource: 'cloudwatch' | 'invocation'
  /** The host's script cache lacked this bundle (sha256): the script did not run (outcome failed). */
  missingScripts?: string
  /** Why the command was never sent here (AWS refused this batch's, another's went): hostResult's not-started, exec's not-sent, with this reason. */
  notSent?: string
}
