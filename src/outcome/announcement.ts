/**
 * Pure: a finished deploy or rollback -> what is announced about it (metrics, notification).
 * Hosts still running (Ctrl-C), and hosts that never started because another deploy held the
 * lock, say nothing about this attempt: they are left out, and with no host left nothing is sent.
 */
import type {HostOutcome, HostResult, StepResult} from './host-result.js'
import {shellQuote} from '../remote/quote.js'

export type OperationKind = 'deploy' | 'rollback'

/** The attempt as a whole: any failure wins, then an automatic rollback. */
export type OperationOutcome = 'succeeded' | 'failed' | 'rolled-back'

export interface HostReport {
  instanceId: string
  name?: string
  outcome: HostOutcome
  branch?: string
  commit?: string
  failedStep?: string
  reason?: string
  advice?: string
  durationSeconds?: number
  /** The build step's time, when a build ran and finished. */
  buildSeconds?: number
  /** The `upsc logs` command that prints this host's Run Command output. */
  logsCommand?: string
}

export interface OperationReport {
  kind: OperationKind
  stage: string
  outcome: OperationOutcome
  exitCode: number
  branch?: string
  commit?: string
  /** The caller's ARN. */
  who: string
  deployId?: string
  commandIds: string[]
  /** When the report was made (ISO, seconds). */
  at: string
  /** The longest host's. */
  durationSeconds?: number
  hosts: HostReport[]
}

export interface ReportInput {
  kind: OperationKind
  stage: string
  runCommandLogGroup: string
  caller: string
  exitCode: number
  hosts: HostResult[]
  /** The Run Command each host ran (a rollback sends one per target). */
  commandIdOf: (instanceId: string) => string | undefined
  branch?: string
  deployId?: string
  at: Date
}

/** Outcomes that tell nothing about this attempt. */
const NOT_AN_ATTEMPT = new Set<HostOutcome>(['lock-held', 'running'])

/** Run Command output reaches CloudWatch from the host's clock, and starts before the script's own start time. */
const SINCE_MARGIN_MS = 60_000

const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** Pure: a word as typed at a shell prompt: bare when it is only safe characters, else quoted. */
export const shellWord = (value: string): string => (/^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : shellQuote(value))

/** Pure: the command that prints one host's Run Command output (the agent's stdout stream). */
export function logsCommand(stage: string, group: string, commandId: string, instanceId: string, sinceMs: number): string {
  const stream = `${commandId}/${instanceId}/aws-runShellScript/stdout`
  return `upsc logs --stage ${shellWord(stage)} --group ${shellWord(group)} --stream ${shellWord(stream)} --since ${isoSeconds(sinceMs)}`
}

function steps(host: HostResult): StepResult[] {
  const fromResult = host.result?.steps
  return Array.isArray(fromResult) ? (fromResult as StepResult[]) : host.steps
}

/** When the host started: its history record's startedAt, else worked back from the duration. */
function startedAtMs(host: HostResult, at: Date): number {
  const started = host.records.map((r) => Date.parse(String(r.startedAt))).filter((t) => Number.isFinite(t))
  if (started.length > 0) return Math.min(...started)
  return at.getTime() - (num(host.result?.durationSeconds) ?? 0) * 1000
}

function hostReport(input: ReportInput, host: HostResult): HostReport {
  const r = host.result ?? {}
  const build = steps(host).find((s) => s.name === 'build' && s.status === 'ok')
  const commandId = input.commandIdOf(host.instanceId)
  return {
    instanceId: host.instanceId,
    ...(host.name ? {name: host.name} : {}),
    outcome: host.outcome,
    ...(str(r.branch) ? {branch: str(r.branch)} : {}),
    ...(str(r.commit) ? {commit: str(r.commit)} : {}),
    ...(str(r.failedStep) ? {failedStep: str(r.failedStep)} : {}),
    ...(host.reason ? {reason: host.reason} : {}),
    ...(host.advice ? {advice: host.advice} : {}),
    ...(num(r.durationSeconds) !== undefined ? {durationSeconds: num(r.durationSeconds)} : {}),
    ...(num(build?.seconds) !== undefined ? {buildSeconds: num(build?.seconds)} : {}),
    ...(commandId
      ? {logsCommand: logsCommand(input.stage, input.runCommandLogGroup, commandId, host.instanceId, startedAtMs(host, input.at) - SINCE_MARGIN_MS)}
      : {}),
  }
}

/** Pure: the report of a finished deploy or rollback, or undefined when no host finished an attempt. */
export function buildReport(input: ReportInput): OperationReport | undefined {
  const hosts = input.hosts.filter((h) => !NOT_AN_ATTEMPT.has(h.outcome)).map((h) => hostReport(input, h))
  if (hosts.length === 0) return undefined
  const outcome: OperationOutcome = hosts.some((h) => h.outcome !== 'succeeded' && h.outcome !== 'rolled-back')
    ? 'failed'
    : hosts.some((h) => h.outcome === 'rolled-back')
      ? 'rolled-back'
      : 'succeeded'
  const durations = hosts.map((h) => h.durationSeconds).filter((d): d is number => d !== undefined)
  const branch = input.branch ?? hosts.find((h) => h.branch)?.branch
  const commit = hosts.find((h) => h.commit)?.commit
  const commandIds = [...new Set(input.hosts.map((h) => input.commandIdOf(h.instanceId)).filter((c): c is string => Boolean(c)))]
  return {
    kind: input.kind,
    stage: input.stage,
    outcome,
    exitCode: input.exitCode,
    ...(branch ? {branch} : {}),
    ...(commit ? {commit} : {}),
    who: input.caller,
    ...(input.deployId ? {deployId: input.deployId} : {}),
    commandIds,
    at: isoSeconds(input.at.getTime()),
    ...(durations.length > 0 ? {durationSeconds: Math.max(...durations)} : {}),
    hosts,
  }
}
