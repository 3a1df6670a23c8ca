/**
 * Live output of a remote run. On a terminal: one spinner line per step, log lines above it.
 * Elsewhere (CI, pipes): plain timestamped lines. With --json: nothing (the result says it all).
 * Lines are prefixed by instance when several hosts run.
 */
import type {Ora} from 'ora'

import {formatStepEvent, stepLabel} from '../render/deploy.js'
import type {ReportLine} from '../remote/report-lines.js'

export type ProgressMode = 'tty' | 'plain' | 'quiet'

export class Progress {
  private spinner?: Ora
  private oraModule?: typeof import('ora')
  private multiHost = false
  /** TTY with several hosts: one live line per host, redrawn in place. */
  private hostLines = new Map<string, string>()
  private drawn = 0

  constructor(
    private readonly mode: ProgressMode,
    private readonly options: {branch?: string; out?: NodeJS.WritableStream; err?: NodeJS.WritableStream},
  ) {}

  async start(): Promise<void> {
    if (this.mode === 'tty') this.oraModule = await import('ora')
  }

  line(instanceId: string, line: ReportLine): void {
    if (this.mode === 'quiet') return
    const prefix = this.multiHost ? `[${instanceId}] ` : ''
    if (this.mode === 'tty' && this.multiHost) return this.hostLine(instanceId, line)
    if (line.kind === 'step') {
      if (this.mode === 'tty' && !this.multiHost) return this.ttyStep(line)
      return this.write(`${prefix}${formatStepEvent(line, this.options.branch)}`)
    }
    if (line.kind === 'log') return this.write(`${prefix}${line.text}`)
    if (line.kind === 'warn') return this.write(`${prefix}warning: ${line.message}`)
    // records and results are shown in the final summary
  }

  /** Several hosts: prefix every line with its instance, and no per-step spinner. */
  hosts(count: number): void {
    this.multiHost = count > 1
  }

  note(text: string): void {
    if (this.mode !== 'quiet') this.write(text, this.options.err ?? process.stderr)
  }

  stop(): void {
    this.spinner?.stop()
    this.spinner = undefined
  }

  /** Several hosts on a terminal: each host's latest step on its own line; log lines stay in CloudWatch. */
  private hostLine(instanceId: string, line: ReportLine): void {
    if (line.kind !== 'step' && line.kind !== 'result') return
    const text = line.kind === 'step' ? formatStepEvent(line, this.options.branch) : `${String(line.result.outcome ?? 'finished')}`
    this.hostLines.set(instanceId, `${instanceId}  ${text}`)
    const out = this.options.out ?? process.stdout
    // Move up over the block drawn last time, then redraw every host's line.
    if (this.drawn > 0) out.write(`\u001B[${this.drawn}A`)
    for (const text of this.hostLines.values()) out.write(`\u001B[2K${text}\n`)
    this.drawn = this.hostLines.size
  }

  private ttyStep(e: Extract<ReportLine, {kind: 'step'}>): void {
    if (e.status === 'start') {
      this.spinner?.stop()
      this.spinner = this.oraModule!.default({text: `${stepLabel(e.name, this.options.branch)} ...`, stream: this.options.err ?? process.stderr}).start()
      return
    }
    this.spinner?.stop()
    this.spinner = undefined
    this.write(formatStepEvent(e, this.options.branch))
  }

  private write(text: string, stream: NodeJS.WritableStream = this.options.out ?? process.stdout): void {
    const stamp = this.mode === 'plain' ? `${new Date().toISOString().slice(11, 19)} ` : ''
    // Keep the spinner below the log: clear it, write, redraw.
    this.spinner?.clear()
    stream.write(`${stamp}${text}\n`)
    this.spinner?.render()
  }
}
