import type {Hook} from '@oclif/core'

import {ExitCode} from '../errors/exit-codes.js'
import {closestCommand} from '../cli/suggest.js'

/** `upsc statsu` -> "Did you mean `upsc status`?", on any terminal or none, exit 2 (usage). */
const hook: Hook.CommandNotFound = async function (options) {
  const visible = options.config.commands.filter((c) => !c.hidden).map((c) => c.id.replaceAll(':', ' '))
  const typed = options.id.replaceAll(':', ' ')
  const suggestion = closestCommand(typed, visible)
  const lines = [`"${typed}" is not an upsc command.`]
  lines.push(suggestion ? `Did you mean \`${options.config.bin} ${suggestion}\`?` : `Run \`${options.config.bin} help\` for the list of commands.`)
  process.stderr.write(lines.join('\n') + '\n')
  this.exit(ExitCode.usage)
}

export default hook
