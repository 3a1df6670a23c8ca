// Zero-downtime deploys: 100+ requests a second on loopback for the whole of each upsc command,
// counting every connection error and non-2xx answer. blueGreen (nginx in front of two colours): a
// good deploy, a deploy whose health gate fails, a manual rollback to the warm colour; and, for
// comparison, an inPlace deploy under the same load, aimed at the app's own port.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startLoad} from '../tools/stand-in/load.js'
import {startStandIn} from '../tools/stand-in/stand-in.js'
import {freePort, sleep} from '../tools/stand-in/util.js'
import {measure} from './lib.js'

export const title = 'Zero-downtime deploys: blueGreen behind nginx vs inPlace, under load'
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RATE = 120
const MIN_REQUESTS = 3000

export async function run({log}) {
  const standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-bluegreen-'))
  try {
    const host = standIn.hosts[0].host
    const port = await freePort()
    const base = {
      region: standIn.region,
      instances: {tags: {Name: 'upscpro-stage2-docker'}},
      healthChecks: [{name: 'api', service: 'api', port: 8000, path: '/health', expectStatus: 200}],
      timeouts: {healthSeconds: 10},
    }
    const deploy = {strategy: 'blueGreen', services: [{name: 'api', port: 8000, publicPort: port}], listenHost: '127.0.0.1', keepWarmSeconds: 600}
    // Two stages on the same instance: the same app, deployed either way.
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({defaultStage: 'bluegreen', stages: {inplace: base, bluegreen: {...base, deploy}}}))
    const env = {...process.env, ...standIn.env}
    const upsc = async (args, expectCode = 0) => {
      const r = await measure(process.execPath, [RUN, ...args, '--json'], {env, cwd: dir})
      if (r.code !== expectCode) throw new Error(`upsc ${args.join(' ')} exited ${r.code}, expected ${expectCode}: ${r.stdout}${r.stderr}`)
      const doc = JSON.parse(r.stdout)
      return {ms: r.ms, result: (doc.hosts ?? doc.instances ?? [])[0]?.result ?? {}}
    }
    /** The load runs before, during and after the command, until at least MIN_REQUESTS have ended. */
    const underLoad = async (url, args, expectCode) => {
      const load = startLoad({url, rate: RATE})
      await sleep(2000)
      const cmd = await upsc(args, expectCode)
      while (load.snapshot().total < MIN_REQUESTS) await sleep(200)
      const report = await load.stop()
      log(
        `${args.join(' ')}: ${report.total} requests, ${report.errors} errors, ${report.non2xx} non-2xx, colours ${JSON.stringify(report.colours)}; upsc ${(cmd.ms / 1000).toFixed(1)} s`,
      )
      return {...cmd, load: report}
    }
    const failed = (l) => l.errors + l.non2xx
    const failText = (l) =>
      `${failed(l)} of ${l.total}${l.errors ? ` (${l.errors} connection errors, ${l.non2xx} non-2xx)` : l.non2xx ? ` (${l.non2xx} non-2xx)` : ''}`

    // inPlace, for comparison: the load goes to the app's own published port.
    await upsc(['deploy', '-s', 'inplace', '--branch', 'main'])
    const appPort = host.servicePort('api')
    const inPlace = await underLoad(`http://127.0.0.1:${appPort}/`, ['deploy', '-s', 'inplace', '--branch', 'feature-x'])

    // blueGreen: migrate (the one deploy that moves the api behind nginx), then the measured cases.
    await upsc(['deploy', '-s', 'bluegreen', '--branch', 'main'])
    const proxy = `http://127.0.0.1:${port}/`
    const good = await underLoad(proxy, ['deploy', '-s', 'bluegreen', '--branch', 'feature-x'])
    const gate = await underLoad(proxy, ['deploy', '-s', 'bluegreen', '--branch', 'bad-health'], 1)
    const builds = host.buildCount()
    const rollback = await underLoad(proxy, ['rollback', '-s', 'bluegreen', '--yes'])
    const rollbackBuilds = host.buildCount() - builds

    const switchMs = good.result.blueGreen?.switchMs
    const rbSwitchMs = rollback.result.blueGreen?.switchMs
    const rbHostS = rollback.result.durationSeconds
    // Host time until traffic was back on the old version: every step up to and including the switch.
    const steps = rollback.result.steps ?? []
    const upToSwitch = steps.slice(0, steps.findIndex((s) => s.name === 'switch') + 1).reduce((n, s) => n + s.seconds, 0)
    const gateColours = Object.keys(gate.load.colours).join(', ')
    const row = (metric, c, target, met, baseline = '', baselineName = '') => ({metric, upsc: c, baseline, baselineName, ratio: '', target, met})
    return {
      rows: [
        row(
          'good deploy (main -> feature-x): failed requests',
          failText(good.load),
          `0 of ≥ ${MIN_REQUESTS}`,
          failed(good.load) === 0 && good.load.total >= MIN_REQUESTS,
          failText(inPlace.load),
          'inPlace deploy, same load',
        ),
        row(
          'deploy whose health gate fails (bad-health): failed requests',
          failText(gate.load),
          `0 of ≥ ${MIN_REQUESTS}`,
          failed(gate.load) === 0 && gate.load.total >= MIN_REQUESTS,
        ),
        row('  answers from the failing version', gateColours === 'green' ? '0' : `colours seen: ${gateColours}`, '0', gateColours === 'green'),
        row(
          'manual rollback to the warm colour: failed requests',
          failText(rollback.load),
          `0 of ≥ ${MIN_REQUESTS}`,
          failed(rollback.load) === 0 && rollback.load.total >= MIN_REQUESTS,
        ),
        row(
          'switch time (config check, graceful reload, first answer from the new colour)',
          `${switchMs} ms`,
          '≤ 1 s',
          typeof switchMs === 'number' && switchMs <= 1000,
        ),
        row(
          'warm rollback: traffic back on the old version (host: lock, target, switch)',
          `${upToSwitch.toFixed(1)} s (switch ${rbSwitchMs} ms)`,
          '≤ 2 s, no build',
          upToSwitch > 0 && upToSwitch <= 2 && rollbackBuilds === 0,
          `${rbHostS} s host run, ${(rollback.ms / 1000).toFixed(1)} s upsc rollback`,
          'then checkout, image tags, shared services; the CLI adds the history read',
        ),
        row('image builds during the rollback', String(rollbackBuilds), '0', rollbackBuilds === 0),
      ],
      notes: [
        `Load: ${RATE} GET / a second on loopback, each on a new connection, from 2 s before each command until it ended and at least ${MIN_REQUESTS} requests had ended; a request fails on a connection error, a 5 s timeout or a non-2xx answer.`,
        `The inPlace row's failures are as they are: \`compose up\` recreates the api container, and its port refuses connections until the new process listens (the fake container starts in well under a second; a real app takes longer).`,
        'The failing deploy starts bad-health in the idle colour, whose gate fails: the proxy never routes to it and the colour is stopped; every answer during it came from the live colour.',
        'Reproduce: `npm run build && node bench/run.js bluegreen` (needs nginx: `apt-get install nginx`).',
      ],
    }
  } finally {
    await standIn.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
