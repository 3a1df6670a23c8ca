// `upsc status` for one healthy instance beside bench/check-build-status.sh (AWS CLI v1), on the
// same stand-in, alternating runs; plus the Run Command round trip (how soon a finished command
// is noticed).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startStandIn} from '../tools/stand-in/stand-in.js'
import {fmtMs, fmtRatio, measure, median} from './lib.js'

export const title = 'upsc status (one instance) vs check-build-status.sh on the AWS CLI'
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const BASELINE = fileURLToPath(new URL('./check-build-status.sh', import.meta.url))
const RUNS = 5

const stage = {
  region: 'eu-central-1',
  instances: {tags: {Name: 'upscpro-stage2-docker'}},
  healthChecks: [{name: 'api', service: 'api', port: 8000, path: '/health', expectStatus: 200}],
}

export async function run({log}) {
  const standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-status-'))
  try {
    const host = standIn.hosts[0].host
    execFileSync('bash', ['-c', 'docker compose build -q >/dev/null 2>&1; docker compose up -d >/dev/null 2>&1'], {
      cwd: host.appDir,
      env: {...process.env, ...host.env},
    })
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({stages: {stage2: stage}}))
    const {buildPayload} = await import('../dist/remote/payload.js')
    const {stageSettings} = await import('../dist/remote/settings.js')
    const {loadConfig, selectStage} = await import('../dist/config/load.js')
    const resolved = selectStage(loadConfig({cwd: dir, env: {}}))
    const params = join(dir, 'params.json')
    writeFileSync(params, JSON.stringify({commands: buildPayload('probe', stageSettings(resolved)), executionTimeout: ['60']}))
    const env = {...process.env, ...standIn.env}

    const upsc = []
    const baseline = []
    const memory = []
    for (let i = 0; i < RUNS; i++) {
      const a = await measure(process.execPath, [RUN, 'status'], {env, cwd: dir})
      if (a.code !== 0) throw new Error(`upsc status exited ${a.code}: ${a.stdout}${a.stderr}`)
      upsc.push(a.ms)
      memory.push(a.peakMiB)
      const b = await measure('bash', [BASELINE, 'upscpro-stage2-docker', '/aws/ec2/upscpro-stage2-docker', params], {env, cwd: dir})
      if (!/status: Success/.test(b.stdout)) throw new Error(`baseline failed: ${b.stdout}${b.stderr}`)
      baseline.push(b.ms)
      log(`run ${i + 1}/${RUNS}: upsc ${fmtMs(a.ms)}, baseline ${fmtMs(b.ms)}`)
    }

    const roundTrip = await runCommandRoundTrip(standIn, log)
    const u = median(upsc)
    const s = median(baseline)
    const peak = Math.max(...memory.filter(Boolean))
    return {
      rows: [
        {
          metric: 'wall time, median',
          upsc: fmtMs(u),
          baseline: fmtMs(s),
          baselineName: 'check-build-status.sh',
          ratio: fmtRatio(u / s),
          target: '≤ 0.15x',
          met: u / s <= 0.15,
        },
        {metric: 'peak memory (RSS, the highest of the runs)', upsc: `${peak.toFixed(0)} MiB`, baseline: '', ratio: '', target: '≤ 80 MiB', met: peak <= 80},
        {
          metric: 'finished command noticed after (median / max)',
          upsc: `${fmtMs(median(roundTrip))} / ${fmtMs(Math.max(...roundTrip))}`,
          baseline: '',
          ratio: '',
          target: '≤ 500 ms',
          met: Math.max(...roundTrip) <= 500,
        },
      ],
      notes: [
        `${RUNS} alternating runs each. Both run the same probe script on the same sandbox host; the host's own work (the probe, whose fake docker is a Node script) is part of both figures.`,
        "Round trip: 20 Run Commands of a trivial script followed with upsc's poll loop; the figure is the time from the end of execution on the host to the poll that reports it.",
      ],
    }
  } finally {
    await standIn.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

/** How long after a command ends on the host does the CLI's poll loop report it? */
async function runCommandRoundTrip(standIn, log) {
  const {AwsClients} = await import('../dist/aws/clients.js')
  const {sendAndFollow} = await import('../dist/engine/follow.js')
  Object.assign(process.env, standIn.env)
  const clients = new AwsClients({region: standIn.region})
  const id = standIn.hosts[0].instanceId
  const delays = []
  for (let i = 0; i < 20; i++) {
    // The script sleeps a random part of a second so the end falls anywhere between polls.
    const request = {
      instanceIds: [id],
      commands: [`sleep 0.${Math.floor(Math.random() * 9)}`],
      comment: 'bench',
      executionTimeoutSeconds: 60,
      deliveryTimeoutSeconds: 30,
    }
    const {runs} = await sendAndFollow(clients, request, [id], {events: {}}, {})
    const result = runs[0].invocation
    const noticed = Date.now()
    // The sandbox stamps ExecutionEndDateTime with this machine's clock, in milliseconds.
    const ended = Date.parse(result.finishedAt)
    delays.push(noticed - ended)
  }
  clients.destroy()
  log(`round trips: ${delays.map((d) => Math.round(d)).join(', ')} ms`)
  return delays
}
