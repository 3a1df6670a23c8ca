import {BaseCommand} from '../../cli/base-command.js'
import {runLock} from '../../ops/lock.js'
import {renderLock} from '../../render/history.js'
import type {LockJson} from '../../render/json-schemas.js'

export default class LockStatus extends BaseCommand<typeof LockStatus> {
  static override summary = 'Show the deploy lock on each host: holder, since when, branch, pid, alive or not.'

  static override description =
    'A deploy or rollback holds the lock (flock under UPSC_HOME) while it runs. A lock whose holder process is dead is "stale": the next deploy takes it over with a notice, or `upsc lock release` clears it.'

  static override examples = ['<%= config.bin %> lock status']

  public async run(): Promise<LockJson> {
    const result = await runLock(this.stageContext(), 'status', false)
    if (!this.jsonEnabled()) this.log(renderLock(result))
    return result
  }
}
