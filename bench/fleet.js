// `upsc status` for 1, 10 and 100 instances: wall time, peak memory, and the AWS requests of each
// kind, counted by a proxy in front of the stand-in. The sandbox hosts here are canned: each
// answers the probe at once with a fixed healthy state, because 100 real probes on this 2-core
// machine would measure the simulation, not upsc.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startStandIn} from '../tools/stand-in/stand-in.js'
import {startCountingProxy} from './counting-proxy.js'
import {fmtMs, fmtRatio, measure, median} from './lib.js'

export const title = 'Fleet: upsc status for 1, 10 and 100 instances (canned hosts)'
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SIZES = [1, 10, 100]
const RUNS = 3

const cannedProbe = {
  schema: 1,
  host: {hostname: 'ip-10-0-0-1', uptimeSeconds: 7200, diskFreeBytes: 10 * 2 ** 30, diskTotalBytes: 30 * 2 ** 30, diskFreePercent: 33.3},
  docker: {running: true, serverVersion: '27.3.1', composeVersion: '2.29.7', error: null},
  repo: {present: true, branch: 'main', commit: '3a4f2c1d9e0b3a4f2c1d9e0b3a4f2c1d9e0b3a4f', clean: true, error: null},
  images: [{repository: 'upscapp-be-api', tag: 'latest', ageSeconds: 600}],
  services: [{name: 'api', state: 'running', health: 'healthy', restarts: 0}],
  healthChecks: [{name: 'api', url: 'http://127.0.0.1:8000/health', expect: 200, status: 200, ok: true, latencyMs: 3, error: null}],
  units: [],
  lastDeployment: null,
  bootstrap: null,
}

export async function run({log}) {
  const standIn = await startStandIn({hosts: []})
  const moto = await startCountingProxy(standIn.motoUrl)
  const ssm = await startCountingProxy(standIn.ssmUrl)
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-fleet-'))
  try {
    const stages = {}
    for (const n of SIZES) {
      await standIn.addCannedHosts({count: n, name: `upscpro-fleet${n}-docker`, stdout: `::upsc result ${JSON.stringify(cannedProbe)}\n`, delayMs: 50})
      stages[`fleet${n}`] = {region: standIn.region, instances: {tags: {Name: `upscpro-fleet${n}-docker`}}, logStreams: {}}
    }
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({defaultStage: 'fleet1', stages}))
    const env = {...process.env, ...standIn.env, AWS_ENDPOINT_URL: moto.url, AWS_ENDPOINT_URL_SSM: ssm.url}

    const figures = {}
    for (const n of SIZES) {
      const times = []
      const memory = []
      let requests = {}
      for (let i = 0; i < RUNS; i++) {
        moto.reset()
        ssm.reset()
        const r = await measure(process.execPath, [RUN, 'status', '--stage', `fleet${n}`, '--json'], {env, cwd: dir})
        if (r.code !== 0) throw new Error(`status for ${n} exited ${r.code}: ${r.stderr}`)
        const result = JSON.parse(r.stdout)
        if (result.summary.instances !== n || result.summary.healthy !== n)
          throw new Error(`expected ${n} healthy instances: ${JSON.stringify(result.summary)}`)
        times.push(r.ms)
        memory.push(r.peakMiB)
        requests = {...moto.counts(), ...ssm.counts()}
      }
      figures[n] = {ms: median(times), peakMiB: Math.max(...memory), requests}
      log(`${n} instances: ${fmtMs(figures[n].ms)}, ${JSON.stringify(requests)}`)
    }

    const one = figures[1]
    const hundred = figures[100]
    const perInstance = (name) => hundred.requests[name] ?? 0
    const batched = ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus', 'ssm:DescribeInstanceInformation', 'ssm:SendCommand']
    const rows = [
      ...SIZES.map((n) => ({
        metric: `${n} instance${n === 1 ? '' : 's'}: wall time, peak memory`,
        upsc: `${fmtMs(figures[n].ms)}, ${figures[n].peakMiB.toFixed(0)} MiB`,
        baseline: n === 1 ? '' : fmtMs(one.ms),
        baselineName: n === 1 ? '' : '1 instance',
        ratio: n === 1 ? '' : fmtRatio(figures[n].ms / one.ms),
        target: n === 100 ? '≤ 2.00x of 1 instance' : '',
        met: n === 100 ? figures[n].ms / one.ms <= 2 : true,
      })),
      ...batched.map((name) => ({
        metric: `${name} requests (1 / 10 / 100 instances)`,
        upsc: SIZES.map((n) => figures[n].requests[name] ?? 0).join(' / '),
        baseline: '',
        ratio: '',
        target: '≤ ceil(N/50) per call site',
        met: perInstance(name) <= 2 * Math.ceil(100 / 50),
      })),
      {
        metric: 'ssm:ListCommandInvocations (status polls, 1 / 10 / 100)',
        upsc: SIZES.map((n) => figures[n].requests['ssm:ListCommandInvocations'] ?? 0).join(' / '),
        baseline: '',
        ratio: '',
        target: 'per poll: ceil(N/50)',
        met: true,
      },
      {
        metric: 'ssm:GetCommandInvocation (result reads, 1 / 10 / 100)',
        upsc: SIZES.map((n) => figures[n].requests['ssm:GetCommandInvocation'] ?? 0).join(' / '),
        baseline: '',
        ratio: '',
        target: 'at most one per instance (none when the list holds the whole output)',
        met: perInstance('ssm:GetCommandInvocation') <= 100 + 2,
      },
    ]
    return {
      rows,
      notes: [
        "Canned hosts answer the probe after 50 ms with a fixed healthy state (tools/stand-in/ssm-sandbox.js, `canned`), so the figures are upsc's own cost plus the stand-in's.",
        `All requests at 100 instances: ${JSON.stringify(hundred.requests)}.`,
        'With one or two instances each poll is a GetCommandInvocation per instance (it carries the output); with more, ListCommandInvocations gives the statuses (one page per 50) and, when it is under 2,500 characters, the whole output; longer outputs are read once per instance with GetCommandInvocation.',
      ],
    }
  } finally {
    await Promise.all([moto.stop(), ssm.stop()])
    await standIn.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
