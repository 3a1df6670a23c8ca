// `upsc rollback` beside `upsc deploy` of the same two commits on one sandbox host: wall time and
// the number of image builds each one caused (the fake docker counts them).
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startStandIn} from '../tools/stand-in/stand-in.js'
import {fmtMs, fmtRatio, measure, median} from './lib.js'

export const title = 'upsc rollback vs upsc deploy (one sandbox host)'
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUNS = 3

export async function run({log}) {
  const standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-rollback-'))
  try {
    const host = standIn.hosts[0].host
    const stage = {region: standIn.region, healthChecks: [{name: 'api', service: 'api', port: 8000, path: '/health', expectStatus: 200}]}
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({stages: {stage2: stage}}))
    const env = {...process.env, ...standIn.env}
    const upsc = async (args) => {
      const builds = host.buildCount()
      const r = await measure(process.execPath, [RUN, ...args], {env, cwd: dir})
      if (r.code !== 0) throw new Error(`upsc ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`)
      return {ms: r.ms, builds: host.buildCount() - builds}
    }
    await upsc(['deploy', '--branch', 'main'])
    await upsc(['deploy', '--branch', 'feature-x'])
    const rollbacks = []
    const deploys = []
    for (let i = 0; i < RUNS; i++) {
      rollbacks.push(await upsc(['rollback', '--yes'])) // feature-x -> main, from the kept images
      deploys.push(await upsc(['deploy', '--branch', 'feature-x'])) // main -> feature-x, fetch + build
      log(
        `run ${i + 1}/${RUNS}: rollback ${fmtMs(rollbacks.at(-1).ms)} (${rollbacks.at(-1).builds} builds), deploy ${fmtMs(deploys.at(-1).ms)} (${deploys.at(-1).builds} builds)`,
      )
    }
    const r = median(rollbacks.map((x) => x.ms))
    const d = median(deploys.map((x) => x.ms))
    const rollbackBuilds = rollbacks.reduce((n, x) => n + x.builds, 0)
    return {
      rows: [
        {
          metric: 'wall time, median',
          upsc: fmtMs(r),
          baseline: fmtMs(d),
          baselineName: 'upsc deploy of the other commit',
          ratio: fmtRatio(r / d),
          target: 'well under a deploy',
          met: r < d,
        },
        {
          metric: 'image builds during the rollbacks',
          upsc: String(rollbackBuilds),
          baseline: String(deploys.reduce((n, x) => n + x.builds, 0)),
          baselineName: 'during the deploys',
          ratio: '',
          target: '0',
          met: rollbackBuilds === 0,
        },
      ],
      notes: ["The sandbox's fake build takes about a second; a real image build takes minutes, which a rollback never pays."],
    }
  } finally {
    await standIn.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
