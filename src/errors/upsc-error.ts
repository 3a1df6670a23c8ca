import {ExitCode, type ExitCodeValue} from './exit-codes.js'

/**
 * An error the user can act on: what happened, and what to do next.
 * Everything the CLI reports on purpose is one of these; anything else is a bug
 * and is shown with its stack under --verbose.
 */
export class UpscError extends Error {
  readonly exitCode: ExitCodeValue
  readonly hint?: string
  readonly code: string

  constructor(code: string, message: string, options: {exitCode: ExitCodeValue; hint?: string; cause?: unknown}) {
    super(message, {cause: options.cause})
    this.name = 'UpscError'
    this.code = code
    this.exitCode = options.exitCode
    this.hint = options.hint
  }
}

export const usageError = (code: string, message: string, hint?: string) => new UpscError(code, message, {exitCode: ExitCode.usage, hint})

export const unreachableError = (code: string, message: string, hint?: string) => new UpscError(code, message, {exitCode: ExitCode.unreachable, hint})
