import {Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'
import {following} from './follow.js'
import {type AppAction, runApp} from '../ops/app.js'
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
    const result = await following(this.progressMode, {verb: `app ${this.action}`}, (events, signal) =>
      runApp(ctx, this.action, this.flags.service ?? [], events, signal),
    )
    const text = result.detached
      ? `\nStopped following. The ${this.action} goes on on the host(s): upsc deploy --attach ${result.commandId}`
      : renderHostResults(result.hosts, {verb: `App ${this.action}`, commandId: result.commandId})
    return this.finish(result, result.exitCode, text)
  }
}
