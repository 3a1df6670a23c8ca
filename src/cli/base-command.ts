import {Command, Flags, type Interfaces} from '@oclif/core'

import {AwsClients} from '../aws/clients.js'
import {describeAwsError} from '../aws/errors.js'
import {resolveRegion} from '../aws/region.js'
import {type LoadedConfig, loadConfigOrBuiltIn, selectStage, type StageConfig} from '../config/load.js'
import {ExitCode} from '../errors/exit-codes.js'
import {regionFlag} from './flags.js'
import {UpscError} from '../errors/upsc-error.js'
import {renderError} from '../render/error.js'
import {renderBuiltInNotice} from '../render/notice.js'
import type {ErrorJson} from '../render/json-schemas.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

/** What a command gets once its flags and config are read: the stage and its AWS clients. */
export interface StageContext {
  config: LoadedConfig
  stage: StageConfig
  clients: AwsClients
  /** --instance values, if any, overriding the stage's selector. */
  instances: string[]
  region: string
  profile?: string
}

/**
 * Shared flags, config loading, spinner lifecycle and the mapping from errors to exit codes.
 * Commands stay thin: parse, call one op, return a typed result (printed as JSON with --json).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    stage: Flags.string({char: 's', description: "Stage to act on (default: the config's defaultStage).", helpGroup: 'GLOBAL'}),
    instance: Flags.string({
      char: 'i',
      description: "Instance id or Name tag, instead of the stage's selector. Repeat for several.",
      multiple: true,
      helpGroup: 'GLOBAL',
    }),
    profile: Flags.string({description: "AWS profile (default: the stage's, then AWS_PROFILE).", helpGroup: 'GLOBAL'}),
    region: regionFlag({description: "AWS region (default: the stage's, then AWS_REGION, the profile's, else ap-south-1).", helpGroup: 'GLOBAL'}),
    config: Flags.string({
      description: 'Config file (default: upsc.config.json here or above, or UPSC_CONFIG; none: the built-in stage2).',
      helpGroup: 'GLOBAL',
    }),
    verbose: Flags.boolean({description: 'Show AWS request details and stack traces.', helpGroup: 'GLOBAL'}),
  }

  protected flags!: BaseFlags<T>
  private clients?: AwsClients

  public override async init(): Promise<void> {
    await super.init()
    const {flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
  }

  /** Load the config and pick the stage; no AWS call happens here. */
  protected stageContext(): StageContext {
    const config = loadConfigOrBuiltIn({flag: this.flags.config, cwd: process.cwd(), env: process.env})
    const stage = selectStage(config, this.flags.stage)
    const profile = this.flags.profile ?? stage.profile
    const choice = resolveRegion({flag: this.flags.region, stage: stage.region, profile, env: process.env})
    const instances = this.flags.instance ?? []
    if (config.builtIn && !this.jsonEnabled())
      process.stderr.write(renderBuiltInNotice({stage: stage.name, nameTag: stage.instances.tags?.Name ?? '', instances, region: choice}) + '\n')
    this.clients = new AwsClients({region: choice.region, profile})
    return {config, stage, clients: this.clients, instances, region: choice.region, profile}
  }

  /** Spinners and progress go to stderr, and only for a human at a terminal. */
  protected get interactive(): boolean {
    return Boolean(process.stderr.isTTY) && !this.jsonEnabled() && !process.env.CI
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; exitCode?: number}): Promise<void> {
    const mapped = describeAwsError(error, {profile: this.flags?.profile})
    const upsc = mapped instanceof UpscError ? mapped : undefined
    // oclif's own errors carry their exit code (2 for parse errors such as an unknown flag).
    const exitCode = upsc?.exitCode ?? error.oclif?.exit ?? ExitCode.failed
    if (error.oclif?.exit === 0 || error.constructor?.name === 'ExitError') throw error
    if (this.jsonEnabled()) {
      const document: ErrorJson = {error: {code: upsc?.code ?? 'unexpected', message: (mapped as Error).message, hint: upsc?.hint, exitCode}}
      this.logJson(document)
    } else {
      process.stderr.write(renderError(mapped as Error, {verbose: Boolean(this.flags?.verbose), known: Boolean(upsc) || exitCode === ExitCode.usage}) + '\n')
    }
    this.exit(exitCode)
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    this.clients?.destroy()
    await super.finally(error)
  }
}
