/** Pure: what `upsc prune` prints. */
import chalk from 'chalk'

import type {PruneResult} from '../ops/prune.js'
import {formatBytes} from '../status/evaluate.js'
import {renderTable} from './table.js'

export function renderPrune(result: PruneResult): string {
  const bytes = (n: number | null) => (n === null ? '-' : formatBytes(n))
  const rows = result.hosts.map((h) => [
    h.name ? `${h.name} (${h.instanceId})` : h.instanceId,
    h.error ? chalk.red(h.error) : String(h.stoppedContainers),
    h.error ? '' : String(h.danglingImages),
    h.error ? '' : String(h.removedTags.length),
    h.error || result.dryRun ? '' : bytes(h.buildCacheBytes),
    h.error || result.dryRun ? '' : bytes(h.reclaimedBytes),
    h.error ? '' : `${bytes(h.diskFreeBefore)} -> ${bytes(h.diskFreeAfter)}`,
  ])
  const head = result.dryRun
    ? ['Instance', 'Stopped containers', 'Dangling images', 'Old image tags', '', '', 'Free disk']
    : ['Instance', 'Stopped containers', 'Dangling images', 'Old image tags', 'Build cache', 'Reclaimed', 'Free disk']
  const note = result.dryRun ? chalk.dim('Dry run: nothing was removed. Build cache beyond the limit is not counted ahead.') : ''
  return `${renderTable(head, rows)}${note ? `\n${note}` : ''}`
}
