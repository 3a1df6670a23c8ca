import {BaseCommand} from '../../cli/base-command.js'
import {following} from '../../cli/follow.js'
import {pushEnv} from '../../ops/env.js'
import {renderHostResults} from '../../render/deploy.js'
import type {DeployJson} from '../../render/json-schemas.js'

export default class EnvPush extends BaseCommand<typeof EnvPush> {
  static override summary = "Write the hosts' .env from the stage's envParameter, through the deploy path (health gate, rollback)."

  static override description =
    'Each host, one at a time, deploys its running commit again (no fetch, no build): it reads the parameter itself with its instance role, replaces .env, recreates what uses it and runs the health gate; an unhealthy result puts the previous .env back and rolls back (exit 5). Values never travel in the Run Command, its output or the history.'

  static override examples = ['<%= config.bin %> env push']

  public async run(): Promise<DeployJson> {
    const ctx = this.stageContext()
    const result = await following(this.progressMode, {verb: 'env push'}, (events, signal) => pushEnv(ctx, events, signal))
    const text = result.detached
      ? `\nStopped following; it goes on: upsc deploy --attach ${result.commandId}`
      : renderHostResults(result.hosts, {verb: 'Env push', commandId: result.commandId})
    return this.finish(result, result.exitCode, text)
  }
}
