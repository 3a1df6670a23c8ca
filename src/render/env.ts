/** Pure: what `upsc env ...` prints. Values only with --reveal. */
import chalk from 'chalk'

import type {EnvChange, EnvEntry} from '../env/dotenv.js'
import {MASK} from '../env/dotenv.js'

export function renderEnv(parameter: string, entries: EnvEntry[] | null, reveal: boolean): string {
  if (entries === null) return `${parameter}: no such parameter (upsc env set KEY=VALUE creates it)`
  const lines = entries.map((e) => `${e.key}=${reveal ? e.value : MASK}`)
  return [chalk.dim(`# ${parameter} (${entries.length} variable(s)${reveal ? '' : ', values masked: --reveal shows them'})`), ...lines].join('\n')
}

export function renderEnvDiff(parameter: string, changes: EnvChange[]): string {
  if (changes.length === 0) return `${parameter}: nothing to change`
  const mark = {added: chalk.green('+'), changed: chalk.yellow('~'), removed: chalk.red('-')}
  return [`${parameter}:`, ...changes.map((c) => `  ${mark[c.change]} ${c.key}${c.change === 'removed' ? '' : `=${MASK}`}  (${c.change})`)].join('\n')
}
