import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {commandAfterDashes, ExecPrinter, missingDashes} from '../cli/exec-io.js'
import {interruptible} from '../cli/follow.js'
import {runExec} from '../ops/exec.js'
import {renderExecSummary} from '../render/exec.js'
import type {ExecJson} from '../render/json-schemas.js'

export default class Exec extends BaseCommand<typeof Exec> {
  static override summary = 'Run a command in the app dir on every instance of the stage, through Run Command.'

  static override description =
    `Everything after -- is the command, word for word: each word travels as data (quoted by upsc's one quoting function) and runs on the host as "\${argv[@]}" in the app dir, with no shell in between. For pipes, globs or variables, ask for a shell yourself: upsc exec -- bash -c 'docker compose ps | grep api'.

Output streams live from CloudWatch Logs, prefixed by instance when there are several (stderr merged into it). The exit code is the command's on the host; with several hosts, 0 when all succeeded, else the failing hosts' code when they agree, else 1, and a summary table on stderr. 124: timed out (--timeout); 130: interrupted (Ctrl-C cancels the command on the hosts); 2, 3 and 4 before anything ran, as in every upsc command.

--json prints, per instance, the command's stdout and stderr (as GetCommandInvocation keeps them: the first 24,000 and 8,000 characters) and exit code.`

  static override examples = [
    {command: '<%= config.bin %> exec -- docker compose ps', description: "The stage's containers, on every instance."},
    {command: '<%= config.bin %> exec -i i-0123456789abcdef0 -- git log -1 --oneline', description: 'One instance.'},
    {command: "<%= config.bin %> exec --timeout 30 -- bash -c 'df -h / && free -m'", description: 'A shell for operators, bounded to 30 seconds.'},
    {command: "<%= config.bin %> exec --json -- cat .env.example | jq -r '.hosts[].stdout'", description: 'Machine-readable output per instance.'},
  ]

  static override usage = ['<%= command.id %> [FLAGS] -- COMMAND [ARG...]']

  // The command's own words come after `--` and are never parsed as flags.
  static override strict = false

  static override flags = {
    timeout: Flags.integer({
      description: 'Stop the command on the host after this many seconds (Run Command executionTimeout).',
      default: 600,
      min: 1,
      max: 172_800,
      helpValue: 'SECONDS',
    }),
  }

  public async run(): Promise<ExecJson> {
    const argv = commandAfterDashes(this.argv)
    const ctx = this.stageContext()
    const json = this.jsonEnabled()
    const output = new ExecPrinter(json)
    const result = await interruptible((signal) => runExec(ctx, {argv, timeoutSeconds: this.flags.timeout, mergeStderr: !json}, output.events, signal))
    output.flush()
    const summary = json ? undefined : renderExecSummary(result, {timeoutSeconds: this.flags.timeout})
    if (summary) this.logToStderr(summary)
    return this.finish(result, result.exitCode)
  }

  // `upsc exec ls -la`: oclif takes -la for an upsc flag; say where the command goes instead.
  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<void> {
    if (error.constructor?.name === 'NonExistentFlagsError' && !this.argv.includes('--')) return super.catch(missingDashes())
    return super.catch(error)
  }
}
