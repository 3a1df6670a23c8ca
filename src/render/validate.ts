/** Pure: what `upsc validate` prints. */
import chalk from 'chalk'

import type {ValidateResult} from '../ops/validate.js'

export function renderValidate(result: ValidateResult): string {
  if (result.ok) return `${chalk.green('✔')} ${result.composeFile} is valid for stage ${result.stage} (services: ${result.services.join(', ')})`
  const lines = result.problems.map((p) => `${chalk.red('✖')} ${p.kind === 'compose' ? 'docker compose config: ' : ''}${p.message}`)
  return `${lines.join('\n')}\n${chalk.dim(`${result.problems.length} problem(s) in ${result.composeFile} for stage ${result.stage}: a deploy would stop at its config step.`)}`
}
