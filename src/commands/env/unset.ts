import {Args} from '@oclif/core'

import {checkKeys} from '../../env/dotenv.js'
import {EnvEditCommand} from '../../cli/env-command.js'

export default class EnvUnset extends EnvEditCommand {
  static override summary = "Remove variables from the app's .env in the stage's envParameter."

  static override description =
    'Shows which variables go, and asks (--yes without a terminal). Hosts get the new .env at the next deploy, or with `upsc env push`.'

  static override examples = ['<%= config.bin %> env unset DEBUG_TOOLBAR', '<%= config.bin %> env unset OLD_KEY OTHER_KEY --yes']

  static override args = {key: Args.string({description: 'variable name (repeat for several)', required: true})}

  protected edit(args: string[]) {
    return {set: [], unset: checkKeys(args)}
  }
}
