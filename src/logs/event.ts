/** One CloudWatch Logs event, whichever API it came from. */
export interface LogEvent {
  group: string
  stream: string
  /** Milliseconds since the epoch, as CloudWatch stores it. */
  timestamp: number
  message: string
  /** FilterLogEvents gives one; Live Tail does not. */
  eventId?: string
  ingestionTime?: number
}

/**
 * What one FilterLogEvents query reads: a whole group, exact stream names (at most 100, the API's
 * limit) or one stream name prefix. The API takes names or a prefix, never both.
 */
export interface LogSource {
  group: string
  names?: string[]
  prefix?: string
}

/** The client-side check of a stream name against its source (moto ignores logStreamNamePrefix). */
export function streamFilter(source: LogSource): (stream: string) => boolean {
  if (source.names) {
    const names = new Set(source.names)
    return (stream) => names.has(stream)
  }
  const {prefix} = source
  return prefix === undefined ? () => true : (stream) => stream.startsWith(prefix)
}
