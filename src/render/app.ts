/** Pure: what `upsc app ps` prints. */
import chalk from 'chalk'

import type {AppPsResult} from '../ops/app.js'
import {renderTable} from './table.js'

export function renderAppPs(result: AppPsResult): string {
  const rows = result.hosts.flatMap((h) => {
    const host = h.name ? `${h.name} (${h.instanceId})` : h.instanceId
    if (h.services.length === 0) return [[host, chalk.dim('-'), chalk.red(h.error ?? 'no containers'), '', '']]
    return h.services.map((s) => {
      const bad = s.state !== 'running' || s.health === 'unhealthy'
      return [host, s.name, bad ? chalk.red(s.state) : chalk.green(s.state), s.health ?? '', String(s.restarts ?? 0)]
    })
  })
  return renderTable(['Instance', 'Service', 'State', 'Health', 'Restarts'], rows)
}
