import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {type HistorySource, runHistoryFrom} from '../ops/history-cloudwatch.js'
import {renderHistory} from '../render/history.js'
import type {HistoryJson} from '../render/json-schemas.js'
import {withSpinner} from '../cli/spinner.js'

export default class History extends BaseCommand<typeof History> {
  static override summary = 'List the deployments and rollbacks of the stage, newest first.'

  static override description =
    "Reads each host's append-only deployments.jsonl (one record per attempt: who, branch, commit, outcome, duration of each step) through one Run Command, and merges the stage's hosts into one list. A record torn by a power loss is skipped and counted. Every record is also shipped to the deploy stream in CloudWatch Logs: --source cloudwatch reads it there (instances that are gone included), and so does the default when no host has a record (a new or replaced instance)."

  static override examples = [
    '<%= config.bin %> history',
    '<%= config.bin %> history --limit 50',
    {command: '<%= config.bin %> history --source cloudwatch', description: 'The records shipped to CloudWatch Logs, those of replaced instances too.'},
    {command: '<%= config.bin %> history --json | jq \'.records[] | select(.outcome != "succeeded")\'', description: 'Only the attempts that did not succeed.'},
  ]

  static override flags = {
    limit: Flags.integer({char: 'n', description: 'How many records to show.', default: 20, min: 1, max: 1000}),
    source: Flags.string({
      description: "host: the hosts' deployments.jsonl; cloudwatch: the deploy streams; auto: the hosts, else CloudWatch.",
      options: ['auto', 'host', 'cloudwatch'],
      default: 'auto',
    }),
  }

  public async run(): Promise<HistoryJson> {
    const ctx = this.stageContext()
    const result = await withSpinner(this.interactive, 'Reading history', () => runHistoryFrom(ctx, this.flags.limit, this.flags.source as HistorySource))
    if (!this.jsonEnabled()) {
      if (result.source === 'cloudwatch') this.logToStderr(`From CloudWatch Logs (${ctx.stage.logGroup}, the deploy streams).`)
      this.log(renderHistory(result.records, {multiHost: result.hosts.length > 1}))
      for (const h of result.hosts) if (h.skipped > 0) this.logToStderr(`warning: ${h.instanceId}: skipped ${h.skipped} incomplete history line(s)`)
    }
    return result
  }
}
