import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {StageContext} from '../ops/context.js'
import {runStatus, statusExitCode} from '../ops/status.js'
import {renderStatusView} from '../render/status.js'
import type {StatusJson} from '../render/json-schemas.js'
import {withSpinner} from '../cli/spinner.js'
import type {StatusResult} from '../status/types.js'
import {sleep} from '../util/sleep.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show whether the stage is healthy: one row per host, or every check of one host.'

  static override description =
    `Replaces check-build-status.sh. For each instance of the stage: EC2 state and status checks, uptime, SSM agent, Docker and Compose, the checked-out commit, images, every compose service, every configured health check, CloudWatch log streams, the auto-recovery units, the last deployment and free disk.

All facts from the host come from one read-only Run Command; EC2, SSM and Logs are asked concurrently. With more than one host the default is one row per host (verdict, commit, services healthy/total, health checks passing/total, last deploy, free disk, failing checks by name); --details (or -i with one host) gives every check. Exit code 0 when nothing fails (warnings allowed), 1 when any check fails, 4 when no instance could be reached at all (stopped, not managed by SSM, agent offline). docs/USAGE.md describes the --json schema.`

  static override examples = [
    {command: '<%= config.bin %> status', description: 'Check the default stage.'},
    {command: '<%= config.bin %> status --stage stage2 --instance upscpro-stage2-docker', description: 'Check one instance by its Name tag.'},
    {command: '<%= config.bin %> status --json | jq .summary', description: 'Machine-readable result.'},
    {command: '<%= config.bin %> status --watch 10', description: 'Re-check every 10 seconds until Ctrl-C.'},
    {command: '<%= config.bin %> status --details', description: 'Every check of every host, not one row per host.'},
  ]

  static override flags = {
    watch: Flags.integer({description: 'Re-check every N seconds (default 5) and redraw, until Ctrl-C.', min: 1, max: 3600, helpValue: 'SECONDS'}),
    details: Flags.boolean({description: 'With several hosts: every check of every host, instead of one row per host.'}),
  }

  public async run(): Promise<StatusJson> {
    const ctx = this.stageContext()
    if (this.flags.watch && !this.jsonEnabled()) return this.watch(ctx, this.flags.watch)
    const result = await withSpinner(this.interactive, 'Checking', (progress) => runStatus(ctx, {onProgress: progress}))
    if (!this.jsonEnabled()) this.log(renderStatusView(result, this.flags.details))
    process.exitCode = statusExitCode(result)
    return result
  }

  private async watch(ctx: StageContext, seconds: number): Promise<StatusResult> {
    for (;;) {
      const result = await runStatus(ctx)
      // Clear the screen and redraw in place.
      process.stdout.write(`\u001B[2J\u001B[H${renderStatusView(result, this.flags.details)}\n`)
      process.exitCode = statusExitCode(result)
      await sleep(seconds * 1000)
    }
  }
}
