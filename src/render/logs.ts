/**
 * Pure: log events -> the lines `upsc logs` prints.
 *   short     18:00:01 i-0abc/deploy message           (local time of day; the source label coloured)
 *   detailed  2026-11-28T18:00:01.123Z /aws/ec2/upscpro-stage2-docker i-0abc/deploy message
 *   json      one object per line: time, timestamp, group, stream, message, eventId, ingestionTime
 */
import {Chalk, type ChalkInstance} from 'chalk'

import type {LogEvent} from '../logs/event.js'
import type {LogsResult} from '../ops/logs.js'
import {labeller} from '../logs/sources.js'
import type {LogsJson} from './json-schemas.js'

export const LOG_FORMATS = ['short', 'detailed', 'json'] as const
export type LogFormat = (typeof LOG_FORMATS)[number]

/** Colours for source labels; red is left out, it reads as an error. */
const PALETTE = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'cyanBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright'] as const
export type LabelColour = (typeof PALETTE)[number]

/** The same label always gets the same colour, in every run (FNV-1a hash of the label). */
export function labelColour(label: string): LabelColour {
  let hash = 0x811c9dc5
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0
  return PALETTE[hash % PALETTE.length]!
}

/**
 * Whether to colour: never with --no-color; always with FORCE_COLOR (but FORCE_COLOR=0 or false);
 * never with a non-empty NO_COLOR; else when the terminal supports it (chalk's detection).
 */
export function colourLevel(options: {noColorFlag: boolean; env: NodeJS.ProcessEnv; detected: 0 | 1 | 2 | 3}): 0 | 1 | 2 | 3 {
  if (options.noColorFlag) return 0
  const force = options.env.FORCE_COLOR
  if (force !== undefined && force !== '0' && force !== 'false') return options.detected || 1
  if (options.env.NO_COLOR) return 0
  return options.detected
}

export interface LogRenderOptions {
  format: LogFormat
  /** 0: no colour. */
  colourLevel: 0 | 1 | 2 | 3
  /** Every group read: labels carry the group when there are several. */
  groups: string[]
  /** The short format's clock; local unless told (tests use utc). */
  timeZone?: 'local' | 'utc'
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n))
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '-')
const stripNewline = (message: string) => (message.endsWith('\n') ? message.slice(0, message.endsWith('\r\n') ? -2 : -1) : message)

function clock(ms: number, utc: boolean): string {
  if (!Number.isFinite(ms)) return '--:--:--'
  const d = new Date(ms)
  return utc
    ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

export interface LogRenderer {
  /** One event -> its line (no newline). */
  line(event: LogEvent): string
  /** A batch -> its lines, each ending with a newline: what is written at once. */
  lines(events: LogEvent[]): string
}

export function createLogRenderer(options: LogRenderOptions): LogRenderer {
  const prefix = options.format === 'json' ? undefined : prefixer(options)
  const line = prefix ? (e: LogEvent) => prefix(e) + stripNewline(e.message) : jsonLine
  return {
    line,
    lines(events) {
      // Pieces joined once: no intermediate string per line (100,000 lines make a lot of garbage).
      const pieces: string[] = []
      if (prefix) for (const e of events) pieces.push(prefix(e), stripNewline(e.message), '\n')
      else for (const e of events) pieces.push(jsonLine(e), '\n')
      return pieces.join('')
    },
  }
}

function jsonLine(e: LogEvent): string {
  const line: LogsJson = {
    time: iso(e.timestamp),
    timestamp: e.timestamp,
    group: e.group,
    stream: e.stream,
    message: stripNewline(e.message),
    ...(e.eventId === undefined ? {} : {eventId: e.eventId}),
    ...(e.ingestionTime === undefined ? {} : {ingestionTime: e.ingestionTime}),
  }
  return JSON.stringify(line)
}

/**
 * What comes before the message: the time and the source, coloured. Cached per source and per
 * second (short) or millisecond (detailed): consecutive events mostly share both.
 */
function prefixer(options: LogRenderOptions): (event: LogEvent) => string {
  const chalk: ChalkInstance = new Chalk({level: options.colourLevel})
  const dim = (text: string) => (options.colourLevel ? chalk.dim(text) : text)
  const label = labeller(options.groups)
  const detailed = options.format === 'detailed'
  const utc = options.timeZone === 'utc'
  const names = new Map<string, Map<string, string>>()
  const sourceName = (group: string, stream: string) => {
    let byStream = names.get(group)
    if (!byStream) names.set(group, (byStream = new Map()))
    let out = byStream.get(stream)
    if (out === undefined) {
      const text = label(group, stream)
      const colour = (t: string) => (options.colourLevel ? chalk[labelColour(text)](t) : t)
      byStream.set(stream, (out = detailed ? `${dim(group)} ${colour(stream)}` : colour(text)))
    }
    return out
  }
  let lastTick = Number.NaN
  let prefixes = new Map<string, Map<string, string>>()
  return (e) => {
    const tick = detailed ? e.timestamp : Math.floor(e.timestamp / 1000)
    if (tick !== lastTick) {
      lastTick = tick
      prefixes = new Map()
    }
    let byStream = prefixes.get(e.group)
    if (!byStream) prefixes.set(e.group, (byStream = new Map()))
    let out = byStream.get(e.stream)
    if (out === undefined) byStream.set(e.stream, (out = `${dim(detailed ? iso(e.timestamp) : clock(e.timestamp, utc))} ${sourceName(e.group, e.stream)} `))
    return out
  }
}

/** Pure: the line on stderr when a range had no events. */
export function renderNoEvents(result: Pick<LogsResult, 'groups' | 'since' | 'until' | 'filter'>): string {
  return `upsc: no events in ${result.groups.join(', ')} from ${result.since} to ${result.until ?? 'now'}${result.filter ? ` matching ${result.filter}` : ''}.\n`
}
