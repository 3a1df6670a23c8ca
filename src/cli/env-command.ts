import {Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'
import type {EnvEntry} from '../env/dotenv.js'
import {ExitCode} from '../errors/exit-codes.js'
import {applyEnvEdit, planEnvEdit} from '../ops/env.js'
import {renderEnvDiff} from '../render/env.js'
import type {EnvEditJson} from '../render/json-schemas.js'

/**
 * `upsc env set|unset`: read the parameter, show the masked change, confirm (or --yes), write it
 * back as a SecureString. The hosts get it at the next deploy or `upsc env push`.
 */
export abstract class EnvEditCommand extends BaseCommand<typeof EnvEditCommand> {
  static override strict = false

  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required without a terminal).'}),
  }

  protected abstract edit(args: string[]): {set: EnvEntry[]; unset: string[]}

  public async run(): Promise<EnvEditJson> {
    // Statics are inherited, and parse() only reads a class's own: name them.
    const {argv} = await this.parse({flags: this.ctor.flags, baseFlags: BaseCommand.baseFlags, enableJsonFlag: true, args: this.ctor.args, strict: false})
    const {set, unset} = this.edit(argv as string[])
    const ctx = this.stageContext()
    const plan = await planEnvEdit(ctx, set, unset)
    if (!this.jsonEnabled()) this.log(renderEnvDiff(plan.parameter, plan.changes))
    if (plan.changes.length > 0 && !this.flags.yes) {
      if (!(await this.confirm(`Write ${plan.parameter}?`, {what: 'Changing the env parameter', hint: 'Pass --yes to write it without asking.'}))) {
        process.exitCode = ExitCode.failed
        return {stage: plan.stage, parameter: plan.parameter, changes: plan.changes, applied: false, version: null}
      }
    }
    const result = await applyEnvEdit(ctx, plan)
    if (!this.jsonEnabled() && result.applied)
      this.log(`Wrote ${result.parameter} (version ${result.version ?? '?'}). The hosts get it at the next deploy, or now with: upsc env push`)
    return result
  }
}
