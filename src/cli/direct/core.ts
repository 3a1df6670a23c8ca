/**
 * What the direct bundle (dist/upsc-direct.cjs, scripts/bundle-cli.js) gives the commands in place of
 * `@oclif/core`: oclif's own flags, args, parser and errors, and a `Command` that runs a command
 * without oclif's `Config.load` (package.json, the plugins' manifests, minimatch, semver: more than
 * half of a real command's start-up, docs/BENCHMARKS-NOTES.md). Each method does what oclif 4's
 * `Command` does (node_modules/@oclif/core/lib/command.js), less what upsc never uses: hooks (upsc
 * has none that run with a command), the unparsed-arguments warning (BaseCommand.init parses),
 * deprecation warnings (no command or flag is deprecated: checked
 * by test/cli/direct.test.ts), oclif's debug log (with DEBUG set the runner leaves the command to
 * oclif). test/cli/direct.test.ts runs every command both ways and compares what they print.
 */
import {inspect, format} from 'node:util'

import * as Args from '@oclif/core/args'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import {parse} from '@oclif/core/parser'
import {colorizeJson} from '@oclif/core/ux'

export {Args, Flags}

/** What a command reads of oclif's Config; `runCommand` runs another command the same direct way. */
export interface DirectConfig {
  bin: string
  name: string
  version: string
  userAgent: string
  scopedEnvVar(key: string): string | undefined
  scopedEnvVarKey(key: string): string
  scopedEnvVarKeys(key: string): string[]
  runCommand(id: string, argv?: string[]): Promise<unknown>
}

type FlagMap = Record<string, unknown>
interface ParseOptions {
  flags?: FlagMap
  baseFlags?: FlagMap
  enableJsonFlag?: boolean
  args?: FlagMap
  strict?: boolean
}

// oclif's util/aggregate-flags.js (not among its public exports): --json first, then the base flags, then the command's.
const jsonFlag = Flags.boolean({description: 'Format output as json.', helpGroup: 'GLOBAL'})
const aggregateFlags = (flags: FlagMap = {}, baseFlags: FlagMap = {}, enableJsonFlag = false): FlagMap =>
  enableJsonFlag ? {json: jsonFlag, ...baseFlags, ...flags} : {...baseFlags, ...flags}

/** oclif's ux.stdout and ux.stderr text: an empty message prints its arguments alone. */
const uxLine = (message: unknown, args: unknown[]): string => {
  const text = typeof message === 'string' ? message : inspect(message)
  return !text && args.length > 0 ? format(...args) : format(text, ...args)
}

export abstract class Command {
  static id: string
  static flags: FlagMap = {}
  static baseFlags: FlagMap = {}
  static args: FlagMap = {}
  static strict = true
  static enableJsonFlag = false

  id: string
  parsed = false

  constructor(
    public argv: string[],
    public config: DirectConfig,
  ) {
    this.id = this.ctor.id
  }

  get ctor(): typeof Command {
    return this.constructor as typeof Command
  }

  abstract run(): Promise<unknown>

  async _run(): Promise<unknown> {
    let err: Error | undefined
    let result: unknown
    try {
      for (const key of this.config.scopedEnvVarKeys('REDIRECTED')) delete process.env[key]
      await this.init()
      result = await this.run()
    } catch (error) {
      err = error as Error
      await this.catch(err as Error & {exitCode?: number})
    } finally {
      await this.finally(err)
    }
    if (result && this.jsonEnabled()) this.logJson(result)
    return result
  }

  async catch(err: Error & {exitCode?: number}): Promise<void> {
    process.exitCode = process.exitCode ?? err.exitCode ?? 1
    if (this.jsonEnabled()) this.logJson({error: err})
    else throw err
  }

  error(input: string | Error, options: {code?: string; exit?: number} = {}): never {
    return Errors.error(input, options as {exit?: number})
  }

  exit(code = 0): never {
    return Errors.exit(code)
  }

  async finally(_error: Error | undefined): Promise<void> {}

  async init(): Promise<void> {
    const g = globalThis as {'http-call'?: {userAgent?: string}}
    g['http-call'] = g['http-call'] ?? {}
    g['http-call'].userAgent = this.config.userAgent
  }

  jsonEnabled(): boolean {
    if (!this.ctor?.enableJsonFlag) return false
    if (this.config.scopedEnvVar('CONTENT_TYPE')?.toLowerCase() === 'json') return true
    const passThroughIndex = this.argv.indexOf('--')
    const jsonIndex = this.argv.indexOf('--json')
    return passThroughIndex === -1 ? jsonIndex !== -1 : jsonIndex !== -1 && jsonIndex < passThroughIndex
  }

  log(message: unknown = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) console.log(uxLine(message, args))
  }

  logToStderr(message: unknown = '', ...args: unknown[]): void {
    if (!this.jsonEnabled()) console.error(uxLine(message, args))
  }

  logJson(json: unknown): void {
    // No theme: the runner leaves a user's theme.json to oclif (run.ts).
    console.log(format(colorizeJson(json, {pretty: true})))
  }

  async parse(options: ParseOptions = this.ctor, argv: string[] = this.argv) {
    const opts = {context: this, ...options, flags: aggregateFlags(options.flags, options.baseFlags, options.enableJsonFlag)}
    this.argv = [...argv]
    // biome-ignore lint/suspicious/noExplicitAny: oclif's parser types its input by the command's own flag types
    const results = await parse(argv, opts as any)
    this.parsed = true
    return results
  }

  warn(input: string | Error): string | Error {
    if (!this.jsonEnabled()) Errors.warn(input)
    return input
  }
}
