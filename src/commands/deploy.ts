import {BaseCommand} from '../cli/base-command.js'
import {ExitCode} from '../errors/exit-codes.js'
import {deployFlags} from '../cli/flag-sets.js'
import {following} from '../cli/follow.js'
import {cancelDeploy} from '../ops/cancel.js'
import {attachDeploy, runDeploy} from '../ops/deploy.js'
import {renderDeployEnd} from '../render/deploy.js'
import type {DeployJson} from '../render/json-schemas.js'

export default class Deploy extends BaseCommand<typeof Deploy> {
  static override summary = 'Fetch, build, start and health-check a branch on the stage; roll back automatically if it is unhealthy.'

  static override description =
    `Runs on every instance of the stage through SSM Run Command (no SSH): takes the deploy lock, waits for Docker, fetches the branch with retries (reading the GitHub token from Parameter Store on the host when configured), checks out the exact commit, builds (the configured build command or docker compose build), tags the images upsc-<sha> for rollbacks, starts the services and waits for every health check. A failed health gate puts the previous deployment's images back without rebuilding (unless --no-rollback).

Output streams live from CloudWatch Logs. Ctrl-C stops following, not the deploy: upsc prints how to re-attach (--attach) or cancel (--cancel).

Exit codes: 0 deployed and healthy, 1 failed (the running version is untouched when the failure is before the services start), 4 unreachable, 5 failed and rolled back, 6 another deploy holds the lock, 7 following stopped (AWS unreachable or credentials expired: the deploy goes on; re-attach with --attach), 130 interrupted.`

  static override examples = [
    {command: '<%= config.bin %> deploy --branch feature-x', description: 'Deploy the tip of origin/feature-x to the default stage.'},
    {command: '<%= config.bin %> deploy --stage stage2 --branch main --ref 3a4f2c1', description: 'Deploy an exact commit of main.'},
    {command: '<%= config.bin %> deploy --branch feature-x --no-rollback', description: 'Leave a failing version in place to debug it.'},
    {command: '<%= config.bin %> deploy --branch main --detach', description: 'Send the deploy and return at once with its command id.'},
    {command: '<%= config.bin %> deploy --attach 0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11', description: 'Resume following a deploy.'},
    {
      command: '<%= config.bin %> deploy --cancel 0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11',
      description:
        'Cancel a running deploy: it stops, puts back what runs and is recorded as cancelled (killed by CancelCommand after timeouts.cancelSeconds if it does not stop).',
    },
  ]

  static override flags = deployFlags

  public async run(): Promise<DeployJson> {
    const {flags} = this
    const ctx = this.stageContext()
    const result = await following(this.progressMode, {verb: 'deploy', branch: flags.branch ?? ctx.stage.defaultBranch}, (events, signal) => {
      if (flags.cancel) return cancelDeploy(ctx, flags.cancel)
      if (flags.attach) return attachDeploy(ctx, flags.attach, events, signal)
      const request = {
        branch: flags.branch,
        ref: flags.ref,
        noRollback: flags['no-rollback'],
        skipHooks: flags['skip-hooks'],
        maxConcurrency: flags['max-concurrency'],
        maxErrors: flags['max-errors'],
      }
      return runDeploy(ctx, request, events, signal, flags.detach)
    })
    const exitCode = result.detached ? (flags.detach ? ExitCode.ok : ExitCode.interrupted) : result.exitCode
    return this.finish(result, exitCode, renderDeployEnd(result, {detach: flags.detach, stageFlag: flags.stage}), result.warnings)
  }
}
