/**
 * `upsc exec -- <command ...>`: one Run Command (exec.sh) on every instance of the stage. The
 * command travels as argv words, each quoted by the one quoting function, and runs on the host as
 * "${argv[@]}" in the app dir: nothing re-interprets it on the way.
 */
import {STDERR_LIMIT} from '../aws/run-command.js'
import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {usageError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import {buildPayload, MAX_PAYLOAD_BYTES} from '../remote/payload.js'
import type {ReportLine} from '../remote/report-lines.js'
import type {Settings} from '../remote/settings.js'
import {reachableTargets} from './preflight.js'
import {cancelThenFollow} from '../engine/follow.js'
import type {InstanceRun} from '../outcome/invocation.js'
import {runRemote} from '../engine/remote-run.js'

export type ExecOutcome = 'succeeded' | 'failed' | 'timed-out' | 'cancelled' | 'unreachable' | 'running' | 'not-sent'

export interface ExecHostResult {
  instanceId: string
  name?: string
  outcome: ExecOutcome
  /** The command's exit code on the host; 124 timed out, 130 cancelled or interrupted, 4 never delivered, 3 never sent (AWS refused it). */
  exitCode: number
  /** The Run Command status (Success, Failed, TimedOut, ...). */
  status: string
  stdout: string
  stderr: string
  /** GetCommandInvocation keeps the first 24,000 characters of stdout and 8,000 of stderr. */
  stdoutTruncated: boolean
  stderrTruncated: boolean
  /** How the output reached the terminal: live from CloudWatch, or from GetCommandInvocation at the end. */
  outputSource: 'cloudwatch' | 'invocation'
  /** not-sent: why AWS did not take the command for this host (its batch's SendCommand failed). */
  reason?: string
}

export interface ExecResult {
  schema: 1
  stage: string
  command: string[]
  commandId: string
  /** Ctrl-C: following stopped and the command was cancelled on the hosts. */
  interrupted: boolean
  exitCode: number
  hosts: ExecHostResult[]
}

export interface ExecRequest {
  argv: string[]
  timeoutSeconds: number
  /** Send stderr to stdout on the host: one ordered stream to show live (not for --json). */
  mergeStderr: boolean
}

export interface ExecEvents {
  onSent?: (commandId: string, instanceIds: string[]) => void
  onLine?: (instanceId: string, line: ReportLine) => void
}

export const TIMED_OUT_EXIT = 124
export const MAX_TIMEOUT_SECONDS = 172_800

/** Pure: the settings exec.sh reads (docs/REMOTE-CONTRACT.md, "exec.sh"). */
export function execSettings(stage: Pick<StageConfig, 'appDir'>, argv: string[], mergeStderr: boolean): Settings {
  const settings: Settings = {UPSC_APP_DIR: stage.appDir, UPSC_EXEC_MERGE: mergeStderr ? 1 : undefined, UPSC_EXEC_COUNT: argv.length}
  argv.forEach((word, i) => (settings[`UPSC_EXEC_${i + 1}`] = word))
  return settings
}

const RESULT_TAIL = /\n::upsc result \{"exitCode":\d+\}\n?$/

/** Pure: the command's own stdout, without the newline and result line exec.sh adds. */
export const commandStdout = (stdout: string): string => stdout.replace(RESULT_TAIL, '')

/** Pure: one instance's invocation -> its result, with the host's exit code. */
export function execHostResult(run: InstanceRun, name?: string): ExecHostResult {
  const inv = run.invocation
  let outcome: ExecOutcome
  let exitCode: number
  switch (inv.outcome) {
    case 'succeeded':
    case 'failed':
      outcome = inv.responseCode === 0 ? 'succeeded' : 'failed'
      exitCode = inv.responseCode > 0 ? inv.responseCode : inv.outcome === 'succeeded' ? 0 : 1
      break
    case 'timed-out':
      ;[outcome, exitCode] = ['timed-out', TIMED_OUT_EXIT]
      break
    case 'cancelled':
    case 'running':
      ;[outcome, exitCode] = [inv.outcome, 130]
      break
    default:
      // never delivered, undeliverable, terminated
      ;[outcome, exitCode] = ['unreachable', 4]
  }
  if (run.notSent) [outcome, exitCode] = ['not-sent', ExitCode.awsAccess]
  return {
    instanceId: run.instanceId,
    ...(name ? {name} : {}),
    outcome,
    exitCode,
    status: inv.statusDetails && inv.statusDetails !== inv.status ? `${inv.status} (${inv.statusDetails})` : inv.status,
    stdout: commandStdout(inv.stdout),
    stderr: inv.stderr,
    stdoutTruncated: inv.stdoutTruncated,
    stderrTruncated: inv.stderr.length >= STDERR_LIMIT,
    outputSource: run.outputSource,
    ...(run.notSent ? {reason: run.notSent} : {}),
  }
}

/** Pure: the exit code of the whole run: 0 when every host succeeded, else the failing hosts' code if they agree, else 1. */
export function execExitCode(hosts: Pick<ExecHostResult, 'exitCode'>[]): number {
  const failed = [...new Set(hosts.map((h) => h.exitCode).filter((c) => c !== 0))]
  if (failed.length === 0) return 0
  return failed.length === 1 ? failed[0]! : 1
}

/** Pure: the command line is checked before any AWS call. */
export function checkExecInput(argv: string[], timeoutSeconds: number): void {
  if (argv.length === 0) throw usageError('no-command', 'No command given: put it after --.', 'For example: upsc exec -- docker compose ps')
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS)
    throw usageError('bad-timeout', `--timeout must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}.`, 'For example: --timeout 300')
}

/** The Run Command payload; a command too long for Run Command is a usage error that says what to do. */
export function execPayload(stage: Pick<StageConfig, 'appDir'>, request: Pick<ExecRequest, 'argv' | 'mergeStderr'>): string[] {
  try {
    return buildPayload('exec', execSettings(stage, request.argv, request.mergeStderr))
  } catch (error) {
    if ((error as {code?: string}).code !== 'payload-too-large') throw error
    throw usageError(
      'command-too-long',
      `The command is too long to send with Run Command (over ${MAX_PAYLOAD_BYTES} bytes with the script).`,
      'Put the long part in a script on the host and run that.',
    )
  }
}

export async function runExec(ctx: StageContext, request: ExecRequest, events: ExecEvents = {}, signal?: AbortSignal): Promise<ExecResult> {
  const {stage} = ctx
  checkExecInput(request.argv, request.timeoutSeconds)
  const commands = execPayload(stage, request)
  const targets = await reachableTargets(ctx)
  const instanceIds = targets.map((t) => t.instanceId)
  const names = new Map(targets.map((t) => [t.instanceId, t.name]))
  let run = await runRemote(
    ctx.clients,
    {
      instanceIds,
      commands,
      comment: `upsc exec ${stage.name}: ${request.argv.join(' ')}`,
      executionTimeoutSeconds: request.timeoutSeconds,
      deliveryTimeoutSeconds: stage.timeouts.deliverySeconds,
      outputLogGroup: stage.runCommandLogGroup,
      // One failing host must not stop the others.
      maxErrors: '100%',
      script: 'exec',
    },
    {onSent: (id) => events.onSent?.(id, instanceIds), onLine: events.onLine},
    signal,
    {what: 'command'},
  )
  if (run.detached) {
    // Ctrl-C: a one-off command is stopped, not left running: cancel it, then read how each host ended.
    const ended = await Promise.all(
      run.commandIds.map((commandId) =>
        cancelThenFollow(
          ctx.clients,
          commandId,
          run.runs.filter((r) => r.commandId === commandId).map((r) => r.instanceId),
          'all',
          {script: 'exec'},
        ),
      ),
    )
    const byId = new Map(ended.flatMap((r) => r.runs).map((r) => [r.instanceId, r]))
    run = {...run, runs: run.runs.map((r) => byId.get(r.instanceId) ?? r)}
  }
  const hosts = run.runs.map((r) => execHostResult(r, names.get(r.instanceId)))
  const interrupted = signal?.aborted === true
  return {schema: 1, stage: stage.name, command: request.argv, commandId: run.commandId, interrupted, exitCode: interrupted ? 130 : execExitCode(hosts), hosts}
}
