import chalk from 'chalk'

import type {DoctorResult} from '../ops/doctor.js'
import {verdictMark} from './status.js'
import {renderTable, type Row} from './table.js'

/** Pure: one line per check, each failure (or warning) followed by its fix, then the summary. */
export function renderDoctor(result: DoctorResult): string {
  const rows: Row[] = []
  for (const c of result.checks) {
    rows.push([verdictMark(c.verdict), c.label, c.verdict === 'fail' ? chalk.red(c.detail) : c.detail])
    if (c.fix && c.verdict !== 'ok') rows.push(['', '', `${chalk.dim('fix:')} ${c.fix}`])
  }
  const {ok, warn, fail, skip} = result.summary
  const counts = `${ok} ok, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} skipped`
  const last =
    fail === 0 ? `${chalk.green('✔')} All checks pass (${counts}).` : `${chalk.red('✖')} ${counts}: fix the failures above, then run upsc doctor again.`
  return `${renderTable(['', 'Check', 'Detail'], rows)}\n${last}`
}
