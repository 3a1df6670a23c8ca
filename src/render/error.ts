import chalk from 'chalk'

import {UpscError} from '../errors/upsc-error.js'

/** Pure: an error -> what the user reads. Stack traces only with --verbose or for an unexpected error. */
export function renderError(error: Error, options: {verbose: boolean; known: boolean}): string {
  const lines = [`${chalk.red('Error:')} ${error.message}`]
  if (error instanceof UpscError && error.hint) lines.push(`${chalk.dim('Next:')}  ${error.hint}`)
  if (options.verbose && error.stack) lines.push(chalk.dim(error.stack))
  else if (!options.known) lines.push(chalk.dim('Run again with --verbose for details.'))
  return lines.join('\n')
}
