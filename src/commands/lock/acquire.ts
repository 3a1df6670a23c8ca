import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ttlFlag} from '../../cli/flags.js'
import {ExitCode} from '../../errors/exit-codes.js'
import {checkHold, runLock} from '../../ops/lock.js'
import {renderLock} from '../../render/history.js'
import type {LockJson} from '../../render/json-schemas.js'

export default class LockAcquire extends BaseCommand<typeof LockAcquire> {
  static override summary = 'Hold deploys on every host of the stage, with a message (during an incident).'

  static override description =
    'Until `upsc lock release` (or the --ttl runs out), `upsc deploy` and `upsc rollback` refuse on these hosts (exit 6) and show who holds them and the message. A deploy already running goes on. Refused (exit 6) where deploys are already held.'

  static override examples = [
    '<%= config.bin %> lock acquire -m "incident 42: database failover"',
    '<%= config.bin %> lock acquire -m "release freeze" --ttl 2h',
  ]

  static override flags = {
    message: Flags.string({char: 'm', description: 'Why deploys are held (shown to whoever tries to deploy).', required: true}),
    ttl: ttlFlag({description: 'Lift the hold by itself after this long (1m to 30d, e.g. 2h, 90m); default: until released.', helpValue: 'DURATION'}),
  }

  public async run(): Promise<LockJson> {
    const hold = checkHold(this.flags.message, this.flags.ttl)
    const result = await runLock(this.stageContext(), 'acquire', false, hold)
    if (!this.jsonEnabled()) this.log(renderLock(result))
    const worst = Math.max(...result.hosts.map((h) => h.exitCode))
    if (worst !== ExitCode.ok) process.exitCode = result.hosts.some((h) => h.exitCode === ExitCode.lockHeld) ? ExitCode.lockHeld : worst
    return result
  }
}
