import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {rollbackTargetFlag} from '../cli/flags.js'
import {askConfirm} from '../cli/confirm.js'
import {usageError} from '../errors/upsc-error.js'
import {ExitCode} from '../errors/exit-codes.js'
import {interruptSignal} from '../cli/interrupt.js'
import {prepareRollback, type RollbackResult, runRollback} from '../ops/rollback.js'
import {Progress} from '../cli/progress.js'
import {renderHostResults} from '../render/deploy.js'
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
    if (!this.flags.yes) {
      if (!process.stdin.isTTY || this.jsonEnabled())
        throw usageError('confirm-needed', 'Rollback needs confirmation, and there is no terminal to ask on.', 'Pass --yes to roll back without asking.')
      if (!(await askConfirm('Roll back?'))) {
        this.log('Nothing done.')
        process.exitCode = ExitCode.failed
        return {stage: ctx.stage.name, plans: prepared.plans, commandIds: [], hosts: [], exitCode: ExitCode.failed, detached: false}
      }
    }
    const progress = new Progress(this.jsonEnabled() ? 'quiet' : this.interactive ? 'tty' : 'plain', {})
    await progress.start()
    const interrupt = interruptSignal()
    let result: RollbackResult
    try {
      result = await runRollback(
        ctx,
        prepared,
        {
          onSent: (id, ids) => (progress.hosts(ids.length), progress.note(`Sent rollback to ${ids.join(', ')} (Run Command ${id}).`)),
          onLine: (id, line) => progress.line(id, line),
          onNotice: (text) => progress.note(text),
        },
        interrupt.signal,
        this.flags['skip-hooks'],
      )
    } finally {
      progress.stop()
      interrupt.dispose()
    }
    if (!this.jsonEnabled()) {
      if (result.detached) this.log(`\nStopped following. The rollback goes on on the host.\nFollow it: upsc deploy --attach ${result.commandIds.at(-1)}`)
      else this.log(renderHostResults(result.hosts, {verb: 'Rollback', commandId: result.commandIds.join(', ')}))
    }
    for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`)
    process.exitCode = result.exitCode
    return result
  }
}
