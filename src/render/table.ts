import chalk from 'chalk'
import Table from 'cli-table3'

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
}

export type Row = Table.HorizontalTableRow

/**
 * A borderless table (like kubectl's): easy to read, to grep, and to paste. Colours come only
 * from chalk, which follows NO_COLOR / FORCE_COLOR and the terminal (cli-table3's own would not).
 */
export function renderTable(head: string[], rows: Row[]): string {
  const table = new Table({
    head: head.map((h) => chalk.bold(h)),
    chars: NO_BORDERS,
    style: {head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true},
  })
  table.push(...rows)
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}
