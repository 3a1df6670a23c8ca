import {Command, Flags, type Interfaces} from '@oclif/core'

import {AwsClients} from '../aws/clients.js'
import {describeAwsError} from '../aws/errors.js'
import {resolveRegion} from '../config/region.js'
import {loadConfigOrBuiltIn, selectStage} from '../config/load.js'
import {ExitCode} from '../errors/exit-codes.js'
import type {StageContext} from '../ops/context.js'
import {regionFlag} from './flags.js'
import type {ProgressMode} from './progress.js'
import {UpscError, usageError} from '../errors/upsc-error.js'
import {renderError} from '../render/error.js'
import {renderBuiltInNotice} from '../render/notice.js'
import type {ErrorJson} from '../render/json-schemas.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

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

  /** Load the config and pick the stage: the plain context every use case takes; no AWS call happens here. */
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

  /** Live output of a remote run: spinners for a human at a terminal, plain lines elsewhere, nothing with --json. */
  protected get progressMode(): ProgressMode {
    return this.jsonEnabled() ? 'quiet' : this.interactive ? 'tty' : 'plain'
  }

  /** A yes/no question on the terminal; without one (or with --json), a usage error that says how to answer beforehand. */
  protected async confirm(question: string, refusal: {what: string; hint: string}): Promise<boolean> {
    if (!process.stdin.isTTY || this.jsonEnabled())
      throw usageError('confirm-needed', `${refusal.what} needs confirmation, and there is no terminal to ask on.`, refusal.hint)
    const {askConfirm} = await import('./confirm.js')
    return askConfirm(question)
  }

  /** The end of a command: its text (not with --json), each warning on stderr, the exit code; the result is what --json prints. */
  protected finish<R>(result: R, exitCode: number, text?: string, warnings: string[] = []): R {
    if (text !== undefined && !this.jsonEnabled()) this.log(text)
    for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`)
    process.exitCode = exitCode
    return result
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
