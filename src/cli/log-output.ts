import type {TailSink} from '../ops/log-tail.js'
import type {LogRenderer} from '../render/logs.js'
import {interruptSignal} from './interrupt.js'
import {stdoutWriter} from './stdout-writer.js'

/**
 * `upsc logs` at the terminal: events on stdout as fast as the reader takes them, notices on
 * stderr. Ctrl-C, or a reader that went away (`upsc logs | head`), ends the output with exit 0.
 */
export async function printLogs<T>(render: LogRenderer, run: (sink: TailSink, signal: AbortSignal) => Promise<T>): Promise<{result: T; stopped: boolean}> {
  const stop = interruptSignal({secondExitCode: 0})
  const write = stdoutWriter(() => stop.abort())
  try {
    const result = await run({onEvents: (events) => write(render.lines(events)), onNotice: (text) => process.stderr.write(`upsc: ${text}\n`)}, stop.signal)
    return {result, stopped: stop.signal.aborted}
  } finally {
    stop.dispose()
  }
}
