/**
 * Pure: parse the machine lines the host scripts print (`::upsc step|warn|record|result ...`).
 * Everything else is log output for the user.
 *
 * Deploy and rollback send a per-run nonce (UPSC_NONCE); their scripts then tag every report line
 * `::upsc.<nonce> ...`, and only lines carrying that tag count: build or app output that happens to
 * print `::upsc result {...}` stays a log line and cannot forge a step or a result.
 *
 * A result is then checked against its script's schema (remote/results.ts) when the script is known.
 */
import type {ScriptName} from './payload.js'
import {checkResult} from './results.js'

export type StepStatus = 'start' | 'ok' | 'fail'

export interface StepEvent {
  kind: 'step'
  name: string
  status: StepStatus
  seconds?: number
  detail?: string
}

export type ReportLine =
  | StepEvent
  | {kind: 'warn'; message: string}
  | {kind: 'record'; record: Record<string, unknown>}
  | {kind: 'result'; result: Record<string, unknown>}
  | {kind: 'log'; text: string}

const PREFIX = '::upsc '
const TAGGED = /^::upsc\.([A-Za-z0-9]+) /

/** The line prefix of report lines: tagged with the run's nonce when there is one. */
const prefixOf = (nonce?: string) => (nonce ? `::upsc.${nonce} ` : PREFIX)

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export function parseReportLine(line: string, nonce?: string): ReportLine {
  const prefix = prefixOf(nonce)
  if (!line.startsWith(prefix)) return {kind: 'log', text: line}
  const rest = line.slice(prefix.length)
  const space = rest.indexOf(' ')
  const word = space === -1 ? rest : rest.slice(0, space)
  const body = space === -1 ? '' : rest.slice(space + 1)
  switch (word) {
    case 'step': {
      const m = /^(\S+) (start|ok|fail)(?: (\d+(?:\.\d+)?)s)?(?: (.*))?$/.exec(body)
      if (!m) break
      return {kind: 'step', name: m[1]!, status: m[2] as StepStatus, ...(m[3] ? {seconds: Number(m[3])} : {}), ...(m[4] ? {detail: m[4]} : {})}
    }
    case 'warn':
      return {kind: 'warn', message: body}
    case 'record': {
      const record = parseJsonObject(body)
      if (record) return {kind: 'record', record}
      break
    }
    case 'result': {
      const result = parseJsonObject(body)
      if (result) return {kind: 'result', result}
      break
    }
  }
  return {kind: 'log', text: line}
}

export interface ParsedReport {
  steps: StepEvent[]
  warnings: string[]
  records: Record<string, unknown>[]
  result?: Record<string, unknown>
  /** The script printed a result that does not match its schema: why, and what it printed (`result` is then unset). */
  resultProblem?: string
  log: string[]
}

/**
 * A reader of one run's lines. With `nonce` undefined (following a run another process sent, as
 * `--attach` does) the tag is learnt from the first tagged line: the script prints its first step
 * before it runs anything else, so that line is its own. Untagged scripts (probe, history, ...)
 * are read as plain `::upsc ` lines.
 */
export function reportReader(nonce?: string): (line: string) => ReportLine {
  let tag = nonce
  return (line) => {
    if (tag === undefined) tag = TAGGED.exec(line)?.[1]
    return parseReportLine(line, tag)
  }
}

export function parseReport(output: string, nonce?: string, script?: ScriptName | 'install'): ParsedReport {
  const report: ParsedReport = {steps: [], warnings: [], records: [], log: []}
  const read = reportReader(nonce)
  for (const line of output.split('\n')) {
    const parsed = read(line)
    if (parsed.kind === 'step') report.steps.push(parsed)
    else if (parsed.kind === 'warn') report.warnings.push(parsed.message)
    else if (parsed.kind === 'record') report.records.push(parsed.record)
    else if (parsed.kind === 'result') report.result = parsed.result
    else if (line.length > 0) report.log.push(line)
  }
  if (!script || !report.result) return report
  const {result, problem} = checkResult(script, report.result)
  return problem ? {...report, result: undefined, resultProblem: problem} : {...report, result}
}
