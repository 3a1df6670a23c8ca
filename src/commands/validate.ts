import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {loadConfig, selectStage} from '../config/load.js'
import {ExitCode} from '../errors/exit-codes.js'
import {validateApp} from '../ops/validate.js'
import {renderValidate} from '../render/validate.js'
import type {ValidateJson} from '../render/json-schemas.js'

export default class Validate extends BaseCommand<typeof Validate> {
  static override summary = "Check the app's compose file locally, as every deploy does on the host (no AWS)."

  static override description =
    "Runs `docker compose config --quiet` with the stage's compose file in the local checkout of the app (its .env included), and checks that every service the stage's health checks name is defined. Exit 1 with compose's message when anything is wrong. Needs a local docker with the compose plugin; `upsc bootstrap pre-commit` runs it before each commit."

  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate --dir ../upscapp-be --stage stage2']

  static override flags = {
    dir: Flags.string({description: "The app's local checkout (default: the current folder).", helpValue: 'DIR'}),
  }

  public async run(): Promise<ValidateJson> {
    const stage = selectStage(loadConfig({flag: this.flags.config, cwd: process.cwd(), env: process.env}), this.flags.stage)
    const result = await validateApp(stage, this.flags.dir ?? process.cwd())
    if (!this.jsonEnabled()) this.log(renderValidate(result))
    if (!result.ok) process.exitCode = ExitCode.failed
    return result
  }
}
