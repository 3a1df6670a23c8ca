import chalk from 'chalk'

import {BaseCommand} from '../cli/base-command.js'
import {logsFlags} from '../cli/flag-sets.js'
import {printLogs} from '../cli/log-output.js'
import {type LogsResult, runLogs} from '../ops/logs.js'
import {logGroups} from '../logs/sources.js'
import {colourLevel, createLogRenderer, type LogFormat, renderNoEvents} from '../render/logs.js'

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = "Print the stage's CloudWatch Logs, merged in time order; --follow to keep tailing."

  static override description =
    `Reads the stage's log group (logGroup in the config, /aws/ec2/upscpro-<stage>-docker by default) with FilterLogEvents: every stream, or those chosen with --stream (an alias from the stage's logStreams such as deploy or user-data, expanded for each instance; otherwise a stream name or name prefix such as app/api). --group adds more groups. --service reads a compose service's containers on each instance; --instance alone reads every stream of that instance (those named {instance_id}/...). Everything is merged into one time-ordered output, each line labelled with its source in a stable colour.

Without --follow it prints the range (--since, default 10m, up to --until or now) and exits; it streams page by page and never holds the range in memory. With --follow it polls every 0.5 s while events flow and at most every 2 s when idle, re-reads a trailing window so that events shipped late still show (exactly once), and waits out throttling and network errors with a one-line notice. --live uses CloudWatch Live Tail instead of polling where the account offers it, and falls back to polling with a notice. Ctrl-C exits 0.

--json is --format json: one JSON object per line.`

  static override examples = [
    {command: '<%= config.bin %> logs', description: 'The last 10 minutes of every stream of the default stage.'},
    {command: '<%= config.bin %> logs -f --stream deploy', description: 'Follow the deploy stream of every instance.'},
    {command: '<%= config.bin %> logs --service api -f', description: "Follow the api service's containers on every instance."},
    {command: '<%= config.bin %> logs --since 2h30m --until 1h --filter ERROR', description: 'Errors between 2.5 and 1 hours ago.'},
    {
      command: '<%= config.bin %> logs --since 2026-11-28T18:00:00Z --stream app/ --format detailed',
      description: 'Every stream whose name starts with app/, with full timestamps and group names.',
    },
    {command: '<%= config.bin %> logs -f --group /aws/ssm/AWS-RunShellScript', description: 'Also follow Run Command output, merged in time order.'},
    {command: '<%= config.bin %> logs --since 1d --format json | jq -r .message', description: 'One JSON object per event.'},
  ]

  static override flags = logsFlags

  public async run(): Promise<LogsResult | undefined> {
    const {flags} = this
    const json = this.jsonEnabled()
    const ctx = this.stageContext()
    const colours = colourLevel({noColorFlag: flags['no-color'], env: process.env, detected: chalk.level})
    const render = createLogRenderer({
      format: json ? 'json' : (flags.format as LogFormat),
      colourLevel: colours,
      groups: logGroups(ctx.stage.logGroup, flags.group ?? []),
    })
    const options = {
      since: flags.since,
      until: flags.until,
      filter: flags.filter,
      follow: flags.follow,
      live: flags.live,
      streams: flags.stream ?? [],
      groups: flags.group ?? [],
      services: flags.service ?? [],
    }
    const {result, stopped} = await printLogs(render, (sink, signal) => runLogs(ctx, options, sink, signal))
    if (result.events === 0 && !result.followed && !stopped) process.stderr.write(renderNoEvents(result))
    // With --json the events are the output; a summary after them would break the JSON lines.
    return json ? undefined : result
  }
}
