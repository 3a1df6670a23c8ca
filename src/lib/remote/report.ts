/**
 * Pure: parse the machine lines the host scripts print (`::upsc step|warn|record|result ...`).
 * Everything else is log output for the user.
 */

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

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export function parseReportLine(line: string): ReportLine {
  if (!line.startsWith(PREFIX)) return {kind: 'log', text: line}
  const rest = line.slice(PREFIX.length)
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
  log: string[]
}

export function parseReport(output: string): ParsedReport {
  const report: ParsedReport = {steps: [], warnings: [], records: [], log: []}
  for (const line of output.split('\n')) {
    const parsed = parseReportLine(line)
    if (parsed.kind === 'step') report.steps.push(parsed)
    else if (parsed.kind === 'warn') report.warnings.push(parsed.message)
    else if (parsed.kind === 'record') report.records.push(parsed.record)
    else if (parsed.kind === 'result') report.result = parsed.result
    else if (line.length > 0) report.log.push(line)
  }
  return report
}
