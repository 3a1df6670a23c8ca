import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {showEnv} from '../../ops/env.js'
import {renderEnv} from '../../render/env.js'
import type {EnvShowJson} from '../../render/json-schemas.js'

export default class EnvShow extends BaseCommand<typeof EnvShow> {
  static override summary = "Show the app's .env from the stage's envParameter, values masked."

  static override description = 'Reads the SecureString parameter (ssm:GetParameter with decryption) from this machine. Values are shown only with --reveal.'

  static override examples = ['<%= config.bin %> env show', '<%= config.bin %> env show --reveal']

  static override flags = {
    reveal: Flags.boolean({description: 'Show the values.'}),
  }

  public async run(): Promise<EnvShowJson> {
    const result = await showEnv(this.stageContext(), this.flags.reveal)
    if (!this.jsonEnabled()) this.log(renderEnv(result.parameter, result.exists ? result.variables : null, result.revealed))
    return result
  }
}
