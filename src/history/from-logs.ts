/**
 * Pure: deployment records read back from CloudWatch Logs. Every deploy and rollback writes its
 * output, the `::upsc record {json}` line included, to the host's deploy log, which the agent ships
 * to the deploy stream (`{instance_id}/deploy`): history that outlives the instance.
 */
import {type DeploymentRecord, type HostHistory, toRecords} from './records.js'
import type {LogEvent} from '../logs/event.js'

/**
 * The filter pattern that keeps record lines (a quoted term: moto supports it too). Report lines
 * carry the run's nonce (`::upsc.<nonce> record`), which a reader of the stream cannot know.
 */
export const RECORD_FILTER = '" record {"'

const RECORD = /::upsc(?:\.[0-9a-f]+)? record (\{.*)$/

/** Pure: the deploy stream alias (e.g. `{instance_id}/deploy`) -> a matcher giving a stream's instance id. */
export function deployStreamMatcher(pattern: string): (stream: string) => string | undefined {
  const [before, after] = pattern.split('{instance_id}', 2).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  if (after === undefined) return (stream) => (stream === pattern ? '' : undefined)
  const re = new RegExp(`^${before}(i-[0-9a-f]+)${after}$`)
  return (stream) => re.exec(stream)?.[1]
}

/**
 * Pure: log events -> each instance's records, oldest first, each once (a line shipped twice, or
 * read from two streams, counts once by id and finish time). Lines that are not whole records are
 * counted as skipped.
 */
export function historiesFromEvents(events: LogEvent[], instanceOf: (stream: string) => string | undefined): HostHistory[] {
  const byInstance = new Map<string, {records: DeploymentRecord[]; seen: Set<string>; skipped: number}>()
  for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp)) {
    const instanceId = instanceOf(e.stream)
    const json = RECORD.exec(e.message)?.[1]
    if (instanceId === undefined || json === undefined) continue
    const host = byInstance.get(instanceId) ?? {records: [], seen: new Set<string>(), skipped: 0}
    byInstance.set(instanceId, host)
    let record: DeploymentRecord | undefined
    try {
      record = toRecords([JSON.parse(json)])[0]
    } catch {
      record = undefined
    }
    if (!record) {
      host.skipped++
      continue
    }
    const key = `${record.id}\n${record.finishedAt ?? ''}`
    if (host.seen.has(key)) continue
    host.seen.add(key)
    host.records.push(record)
  }
  return [...byInstance].map(([instanceId, h]) => ({instanceId, records: h.records, current: null, skipped: h.skipped}))
}
