// Start-up: `upsc --version` and `upsc --help` beside `node -e 0`, medians of 15 runs each,
// interleaved so that machine noise hits all three alike.
import {fileURLToPath} from 'node:url'

import {fmtMs, fmtRatio, measure, median} from './lib.js'

export const title = 'Start-up: upsc --version and --help vs node -e 0'
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUNS = 15

export async function run({log}) {
  const times = {node: [], version: [], help: [], oclif: []}
  for (let i = 0; i < RUNS; i++) {
    times.node.push((await measure(process.execPath, ['-e', '0'])).ms)
    times.version.push((await measure(process.execPath, [RUN, '--version'])).ms)
    times.help.push((await measure(process.execPath, [RUN, '--help'])).ms)
    // The same help rendered by oclif itself (no fast path): what the fast path saves.
    times.oclif.push((await measure(process.execPath, [RUN, '--help'], {env: {...process.env, UPSC_NO_FAST_PATH: '1'}})).ms)
    log(`run ${i + 1}/${RUNS}`)
  }
  const node = median(times.node)
  const row = (metric, ms) => ({
    metric,
    upsc: fmtMs(ms),
    baseline: fmtMs(node),
    baselineName: 'node -e 0',
    ratio: fmtRatio(ms / node),
    target: '≤ 2.00x',
    met: ms / node <= 2,
  })
  return {
    rows: [row('upsc --version', median(times.version)), row('upsc --help', median(times.help))],
    notes: [`oclif rendering the same help without the fast path: ${fmtMs(median(times.oclif))} (${fmtRatio(median(times.oclif) / node)} of node -e 0).`],
  }
}
