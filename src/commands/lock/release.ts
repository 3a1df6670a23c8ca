import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {ExitCode} from '../../errors/exit-codes.js'
import {runLock} from '../../ops/lock.js'
import {renderLock} from '../../render/history.js'
import type {LockJson} from '../../render/json-schemas.js'

export default class LockRelease extends BaseCommand<typeof LockRelease> {
  static override summary = 'Release a stuck deploy lock.'

  static override description =
    'Releases a stale lock (its holder is dead) at once. While the holder process is alive it refuses (exit 6), unless --force: then the lock is taken away from it (the process itself is not stopped; cancel it with `upsc deploy --cancel <command-id>`).'

  static override examples = ['<%= config.bin %> lock release', '<%= config.bin %> lock release --force']

  static override flags = {
    force: Flags.boolean({description: 'Release even though the holder process is alive.'}),
  }

  public async run(): Promise<LockJson> {
    const result = await runLock(this.stageContext(), 'release', this.flags.force)
    if (!this.jsonEnabled()) this.log(renderLock(result))
    if (result.hosts.some((h) => h.exitCode === ExitCode.lockHeld)) process.exitCode = ExitCode.lockHeld
    return result
  }
}
