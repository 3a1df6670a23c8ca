import {Args} from '@oclif/core'

import {checkKeys, parseAssignments} from '../../env/dotenv.js'
import {EnvEditCommand} from '../../cli/env-command.js'
import {usageError} from '../../errors/upsc-error.js'

export default class EnvSet extends EnvEditCommand {
  static override summary = "Set variables of the app's .env in the stage's envParameter (SecureString)."

  static override description =
    'Shows which variables are added or changed, values masked, and asks (--yes without a terminal). Other lines are kept. Hosts get the new .env at the next deploy, or with `upsc env push`.'

  static override examples = [
    '<%= config.bin %> env set LOG_LEVEL=debug',
    '<%= config.bin %> env set DATABASE_URL=postgres://db/app SENTRY_DSN=https://... --yes',
  ]

  static override args = {assignment: Args.string({description: 'KEY=VALUE (repeat for several)', required: true})}

  protected edit(args: string[]) {
    if (args.length === 0) throw usageError('env-nothing', 'Nothing to set.', 'Pass KEY=VALUE arguments.')
    const set = parseAssignments(args)
    checkKeys(set.map((s) => s.key))
    return {set, unset: []}
  }
}
