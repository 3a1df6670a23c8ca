import {Flags} from '@oclif/core'

import {BaseCommand} from './base-command.js'
import {type BootstrapKind, generateBootstrap} from '../ops/bootstrap.js'
import {renderBootstrapText, renderBootstrapWritten} from '../render/bootstrap.js'
import type {BootstrapJson} from '../render/json-schemas.js'
import {toolVersion} from '../util/version.js'

/**
 * The `upsc bootstrap` commands: generate files from the stage's config, print them or write them
 * with --out. They read the config but make no AWS call.
 */
export abstract class BootstrapCommand extends BaseCommand<typeof BootstrapCommand> {
  static override flags = {
    out: Flags.string({char: 'o', description: 'Write the file(s) into this folder (created if needed) instead of printing.', helpValue: 'DIR'}),
    force: Flags.boolean({description: 'With --out: overwrite existing files.'}),
  }

  protected abstract readonly kind: BootstrapKind

  public async run(): Promise<BootstrapJson> {
    const {stage, region, config} = this.stageContext()
    const result = generateBootstrap(this.kind, {...stage, region}, toolVersion, {
      out: this.flags.out,
      force: Boolean(this.flags.force),
      configFile: config.file,
    })
    if (this.jsonEnabled()) return result
    if (this.flags.out) this.log(renderBootstrapWritten(result))
    else process.stdout.write(renderBootstrapText(result))
    return result
  }
}
