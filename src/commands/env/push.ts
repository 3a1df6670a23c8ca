import {BaseCommand} from '../../cli/base-command.js'
import {interruptSignal} from '../../cli/interrupt.js'
import type {DeployResult} from '../../ops/deploy.js'
import {pushEnv} from '../../ops/env.js'
import {Progress} from '../../cli/progress.js'
import {renderHostResults} from '../../render/deploy.js'
import type {DeployJson} from '../../render/json-schemas.js'

export default class EnvPush extends BaseCommand<typeof EnvPush> {
  static override summary = "Write the hosts' .env from the stage's envParameter, through the deploy path (health gate, rollback)."

  static override description =
    'Each host, one at a time, deploys its running commit again (no fetch, no build): it reads the parameter itself with its instance role, replaces .env, recreates what uses it and runs the health gate; an unhealthy result puts the previous .env back and rolls back (exit 5). Values never travel in the Run Command, its output or the history.'

  static override examples = ['<%= config.bin %> env push']

  public async run(): Promise<DeployJson> {
    const ctx = this.stageContext()
    const progress = new Progress(this.jsonEnabled() ? 'quiet' : this.interactive ? 'tty' : 'plain', {})
    await progress.start()
    const interrupt = interruptSignal()
    let result: DeployResult
    try {
      result = await pushEnv(
        ctx,
        {
          onSent: (id, ids) => (progress.hosts(ids.length), progress.note(`Sent env push to ${ids.join(', ')} (Run Command ${id}).`)),
          onLine: progress.line.bind(progress),
        },
        interrupt.signal,
      )
    } finally {
      progress.stop()
      interrupt.dispose()
    }
    if (!this.jsonEnabled())
      this.log(
        result.detached
          ? `\nStopped following; it goes on: upsc deploy --attach ${result.commandId}`
          : renderHostResults(result.hosts, {verb: 'Env push', commandId: result.commandId}),
      )
    process.exitCode = result.exitCode
    return result
  }
}
