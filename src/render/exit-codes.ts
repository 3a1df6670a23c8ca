import {exitCodeTable} from '../errors/exit-codes.js'

/** Pure: docs/EXIT-CODES.md's table, from the one table in exit-codes.ts. */
export function renderExitCodeTable(): string {
  return ['| code | meaning |', '| --- | --- |', ...exitCodeTable.map(([code, meaning]) => `| ${code} | ${meaning.replaceAll('|', '\\|')} |`)].join('\n')
}
