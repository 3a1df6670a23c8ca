import {Flags} from '@oclif/core'

import {BaseCommand, type StageContext} from '../lib/base-command.js'
import {runStatus, statusExitCode} from '../lib/ops/status.js'
import {renderStatus} from '../lib/render/status.js'
import {withSpinner} from '../lib/spinner.js'
import type {StatusResult} from '../lib/status/types.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show whether the stage is healthy: one check per line for every instance.'

  static override description = `Replaces check-build-status.sh. For each instance of the stage: EC2 state and status checks, uptime, SSM agent, Docker and Compose, the checked-out commit, images, every compose service, every configured health check, CloudWatch log streams, the auto-recovery units, the last deployment and free disk.

All facts from the host come from one read-only Run Command; EC2, SSM and Logs are asked concurrently. Exit code 0 when nothing fails (warnings allowed), 1 when any check fails, 4 when no instance could be reached at all (stopped, not managed by SSM, agent offline). docs/USAGE.md describes the --json schema.`

  static override examples = [
    {command: '<%= config.bin %> status', description: 'Check the default stage.'},
    {command: '<%= config.bin %> status --stage stage2 --instance upscpro-stage2-docker', description: 'Check one instance by its Name tag.'},
    {command: '<%= config.bin %> status --json | jq .summary', description: 'Machine-readable result.'},
    {command: '<%= config.bin %> status --watch 10', description: 'Re-check every 10 seconds until Ctrl-C.'},
  ]

  static override flags = {
    watch: Flags.integer({description: 'Re-check every N seconds (default 5) and redraw, until Ctrl-C.', min: 1, max: 3600, helpValue: 'SECONDS'}),
  }

  public async run(): Promise<StatusResult> {
    const ctx = this.stageContext()
    if (this.flags.watch && !this.jsonEnabled()) return this.watch(ctx, this.flags.watch)
    const result = await withSpinner(this.interactive, 'Checking', (progress) => runStatus(ctx, {onProgress: progress}))
    if (!this.jsonEnabled()) this.log(renderStatus(result))
    process.exitCode = statusExitCode(result)
    return result
  }

  private async watch(ctx: StageContext, seconds: number): Promise<StatusResult> {
    for (;;) {
      const result = await runStatus(ctx)
      // Clear the screen and redraw in place.
      process.stdout.write(`\u001B[2J\u001B[H${renderStatus(result)}\n`)
      process.exitCode = statusExitCode(result)
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    }
  }
}
