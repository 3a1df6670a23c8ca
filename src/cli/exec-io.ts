/** `upsc exec` at the terminal: the command's words after `--`, and its live output on stdout. */
import {usageError} from '../errors/upsc-error.js'
import type {ReportLine} from '../remote/report-lines.js'
import {ExecOutput} from '../render/exec.js'

export const missingDashes = () =>
  usageError('no-dashes', 'Put the command after --, so that its words are never taken for upsc flags.', 'For example: upsc exec -- docker compose ps')

/** The words after the first `--`, exactly as given (oclif's own argv reorders repeated words). */
export function commandAfterDashes(raw: string[]): string[] {
  const at = raw.indexOf('--')
  if (at === -1) throw missingDashes()
  return raw.slice(at + 1)
}

/** Each host's lines as the command printed them, prefixed by instance when several run; nothing with --json. */
export class ExecPrinter {
  private output?: ExecOutput

  constructor(
    private readonly quiet: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  readonly events = {
    onSent: (_commandId: string, instanceIds: string[]) => {
      this.output ??= new ExecOutput(instanceIds.length > 1)
    },
    onLine: (instanceId: string, line: ReportLine) => {
      if (!this.quiet && this.output) this.write(this.output.push(instanceId, line))
    },
  }

  /** The lines held back at the end. */
  flush(): void {
    if (!this.quiet) this.write(this.output?.flush() ?? [])
  }

  private write(lines: string[]): void {
    for (const text of lines) this.out.write(`${text}\n`)
  }
}
