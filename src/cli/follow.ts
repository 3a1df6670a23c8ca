/**
 * Following a remote run from a command: Ctrl-C stops following, not the run (./interrupt.ts),
 * and the steps show live (./progress.ts), set up and torn down around one use case call.
 */
import type {ReportLine} from '../remote/report-lines.js'
import {interruptSignal} from './interrupt.js'
import {Progress, type ProgressMode} from './progress.js'

export interface FollowEvents {
  onSent: (commandId: string, instanceIds: string[]) => void
  onLine: (instanceId: string, line: ReportLine) => void
  onNotice: (text: string) => void
}

/** Run `run` with Ctrl-C turned into its abort signal. */
export async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = interruptSignal()
  try {
    return await run(interrupt.signal)
  } finally {
    interrupt.dispose()
  }
}

/** Run `run` with live progress: "Sent <verb> to <hosts>", each host's steps and lines, notices. */
export async function following<T>(
  mode: ProgressMode,
  what: {verb: string; branch?: string},
  run: (events: FollowEvents, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const progress = new Progress(mode, {branch: what.branch})
  await progress.start()
  const events: FollowEvents = {
    onSent: (commandId, instanceIds) => {
      progress.hosts(instanceIds.length)
      progress.note(`Sent ${what.verb} to ${instanceIds.join(', ')} (Run Command ${commandId}).`)
    },
    onLine: (instanceId, line) => progress.line(instanceId, line),
    onNotice: (text) => progress.note(text),
  }
  try {
    return await interruptible((signal) => run(events, signal))
  } finally {
    progress.stop()
  }
}
