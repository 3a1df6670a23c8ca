import {Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'
import {interruptSignal} from './interrupt.js'
import {type AppAction, type AppResult, runApp} from '../ops/app.js'
import {Progress} from './progress.js'
import {renderHostResults} from '../render/deploy.js'
import type {AppJson} from '../render/json-schemas.js'

/**
 * `upsc app restart|stop|start`: one host at a time, through the deploy lock, live step output;
 * the three commands differ only in the action.
 */
export abstract class AppCommand extends BaseCommand<typeof AppCommand> {
  static override flags = {
    service: Flags.string({description: 'Only this compose service (repeat for several); default: all.', multiple: true, helpValue: 'NAME'}),
  }

  protected abstract readonly action: AppAction

  public async run(): Promise<AppJson> {
    const ctx = this.stageContext()
    const progress = new Progress(this.jsonEnabled() ? 'quiet' : this.interactive ? 'tty' : 'plain', {})
    await progress.start()
    const interrupt = interruptSignal()
    let result: AppResult
    try {
      const events = {
        onSent: (id: string, ids: string[]) => (progress.hosts(ids.length), progress.note(`Sent app ${this.action} to ${ids.join(', ')} (Run Command ${id}).`)),
        onLine: progress.line.bind(progress),
      }
      result = await runApp(ctx, this.action, this.flags.service ?? [], events, interrupt.signal)
    } finally {
      progress.stop()
      interrupt.dispose()
    }
    if (!this.jsonEnabled())
      this.log(
        result.detached
          ? `\nStopped following. The ${this.action} goes on on the host(s): upsc deploy --attach ${result.commandId}`
          : renderHostResults(result.hosts, {verb: `App ${this.action}`, commandId: result.commandId}),
      )
    process.exitCode = result.exitCode
    return result
  }
}
