import {BaseCommand} from '../../cli/base-command.js'
import {runAppPs} from '../../ops/app.js'
import {renderAppPs} from '../../render/app.js'
import type {AppPsJson} from '../../render/json-schemas.js'

export default class AppPs extends BaseCommand<typeof AppPs> {
  static override summary = "The app's compose services on every host: state, health, restarts."

  static override description = 'The services part of `upsc status` (one read-only Run Command, docker compose ps -a), without the rest.'

  static override examples = ['<%= config.bin %> app ps', '<%= config.bin %> app ps --json']

  public async run(): Promise<AppPsJson> {
    const result = await runAppPs(this.stageContext())
    if (!this.jsonEnabled()) this.log(renderAppPs(result))
    return result
  }
}
