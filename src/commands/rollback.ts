import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {rollbackTargetFlag} from '../cli/flags.js'
import {ExitCode} from '../errors/exit-codes.js'
import {following} from '../cli/follow.js'
import {prepareRollback, runRollback} from '../ops/rollback.js'
import {renderRollbackEnd} from '../render/deploy.js'
import {renderRollbackPlan} from '../render/history.js'
import type {RollbackJson} from '../render/json-schemas.js'
import {withSpinner} from '../cli/spinner.js'

export default class Rollback extends BaseCommand<typeof Rollback> {
  static override summary = 'Go back to the last good deployment, without rebuilding.'

  static override description =
    `Picks the newest succeeded deployment before the running one (or the one --to names), shows what it will do and asks for confirmation. It reuses the images tagged upsc-<sha> when they are still there (no build at all), and rebuilds only when they were removed, saying so. Same lock and health gate as a deploy, and recorded in the history.

Exit codes: 0 rolled back and healthy, 1 failed (nothing to roll back to, unknown target, or the old version is unhealthy), 2 refused (no TTY and no --yes), 4 unreachable, 6 lock held, 7 following stopped (the rollback goes on; re-attach with upsc deploy --attach).`

  static override examples = [
    {command: '<%= config.bin %> rollback', description: 'Back to the previous good deployment (asks first).'},
    {command: '<%= config.bin %> rollback --to 3a4f2c1 --yes', description: 'To a given commit (or deployment id), without asking.'},
  ]

  static override flags = {
    to: rollbackTargetFlag({description: 'Deployment id, or commit (or unique prefix) of a succeeded deployment.', helpValue: 'ID|COMMIT'}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required without a terminal).'}),
    'skip-hooks': Flags.boolean({description: "Do not run the stage's post-rollback hooks; recorded in history."}),
  }

  public async run(): Promise<RollbackJson> {
    const ctx = this.stageContext()
    const prepared = await withSpinner(this.interactive, 'Reading history', () => prepareRollback(ctx, this.flags.to))
    if (!this.jsonEnabled()) this.log(`Rollback plan:\n${renderRollbackPlan(prepared.plans)}`)
    if (!this.flags.yes && !(await this.confirm('Roll back?', {what: 'Rollback', hint: 'Pass --yes to roll back without asking.'})))
      return this.finish(
        {stage: ctx.stage.name, plans: prepared.plans, commandIds: [], hosts: [], exitCode: ExitCode.failed, detached: false},
        ExitCode.failed,
        'Nothing done.',
      )
    const result = await following(this.progressMode, {verb: 'rollback'}, (events, signal) =>
      runRollback(ctx, prepared, events, signal, this.flags['skip-hooks']),
    )
    return this.finish(result, result.exitCode, renderRollbackEnd(result), result.warnings)
  }
}
