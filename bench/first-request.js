// How soon upsc's first AWS request leaves, and what a deploy costs beyond the host's own work.
// Every AWS request goes through a journalling proxy (bench/counting-proxy.js) in front of the
// stand-in, which notes the moment each one arrives; the process start is the moment this process
// spawns the command, on the same clock. Side by side in the same runs: the AWS CLI's own first
// request for the same call (`aws ec2 describe-instances`, `aws ssm send-command`), and `node -e 0`.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startStandIn} from '../tools/stand-in/stand-in.js'
import {startCountingProxy} from './counting-proxy.js'
import {fmtMs, fmtRatio, measure, median} from './lib.js'

export const title = "Time to the first AWS request, and a deploy's CLI overhead (one sandbox host)"
const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const RUNS = 5
const NAME = 'upscpro-stage2-docker'

const now = () => performance.timeOrigin + performance.now()

export async function run({log}) {
  const standIn = await startStandIn({hosts: [{name: NAME}]})
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-first-request-'))
  const proxies = []
  try {
    const host = standIn.hosts[0].host
    execFileSync('bash', ['-c', 'docker compose build -q >/dev/null 2>&1; docker compose up -d >/dev/null 2>&1'], {
      cwd: host.appDir,
      env: {...process.env, ...host.env},
    })
    const stage = {
      region: standIn.region,
      instances: {tags: {Name: NAME}},
      healthChecks: [{name: 'api', service: 'api', port: 8000, path: '/health', expectStatus: 200}],
    }
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({stages: {stage2: stage}}))
    const aws = await startCountingProxy(standIn.env.AWS_ENDPOINT_URL)
    const ssm = await startCountingProxy(standIn.env.AWS_ENDPOINT_URL_SSM)
    proxies.push(aws, ssm)
    const env = {...process.env, ...standIn.env, AWS_ENDPOINT_URL: aws.url, AWS_ENDPOINT_URL_SSM: ssm.url}
    const params = join(dir, 'params.json')
    writeFileSync(params, JSON.stringify({commands: ['true']}))
    const instanceId = standIn.hosts[0].instanceId

    /** Run a command; its wall time, and when (after its start) the first request matching `action` arrived. */
    const timed = async (command, args, action) => {
      aws.reset()
      ssm.reset()
      const started = now()
      const r = await measure(command, args, {env, cwd: dir})
      if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`)
      const first = [...aws.journal(), ...ssm.journal()].filter((j) => action.test(j.action)).sort((a, b) => a.at - b.at)[0]
      if (!first) throw new Error(`${command} ${args.join(' ')} sent no ${action}`)
      return {wall: r.ms, first: first.at - started, started, ended: now()}
    }
    /** The time the host spent running the Run Commands sent in [from, to] (the union of their executions). */
    const hostTime = async (from, to) => {
      const commands = await (await fetch(`${standIn.env.AWS_ENDPOINT_URL_SSM}/_sandbox/commands`)).json()
      const spans = commands
        .flatMap((c) => c.invocations)
        .filter((i) => i.startedAt && i.endedAt && i.startedAt >= from && i.endedAt <= to)
        .map((i) => [i.startedAt, i.endedAt])
        .sort((a, b) => a[0] - b[0])
      let total = 0
      let end = -Infinity
      for (const [s, e] of spans) {
        if (e <= end) continue
        total += e - Math.max(s, end)
        end = e
      }
      return total
    }

    const t = {node: [], status: [], awsEc2: [], deploy: [], awsSend: [], deployWall: [], host: []}
    await timed(process.execPath, [RUN, 'deploy', '--branch', 'main'], /^ssm:SendCommand$/) // the first deploy installs; not counted
    const branches = ['feature-x', 'main']
    for (let i = 0; i < RUNS; i++) {
      t.node.push((await measure(process.execPath, ['-e', '0'])).ms)
      t.status.push((await timed(process.execPath, [RUN, 'status'], /./)).first)
      t.awsEc2.push((await timed('aws', ['ec2', 'describe-instances', '--filters', `Name=tag:Name,Values=${NAME}`, '--output', 'text'], /./)).first)
      const d = await timed(process.execPath, [RUN, 'deploy', '--branch', branches[i % 2]], /^ssm:SendCommand$/)
      t.deploy.push(d.first)
      t.deployWall.push(d.wall)
      t.host.push(await hostTime(d.started, d.ended))
      t.awsSend.push(
        (
          await timed(
            'aws',
            [
              'ssm',
              'send-command',
              '--instance-ids',
              instanceId,
              '--document-name',
              'AWS-RunShellScript',
              '--parameters',
              `file://${params}`,
              '--output',
              'text',
            ],
            /^ssm:SendCommand$/,
          )
        ).first,
      )
      log(
        `run ${i + 1}/${RUNS}: status first request ${fmtMs(t.status.at(-1))}, deploy SendCommand ${fmtMs(d.first)}, deploy ${fmtMs(d.wall)} (host ${fmtMs(t.host.at(-1))})`,
      )
    }
    const node = median(t.node)
    const status = median(t.status)
    const deploy = median(t.deploy)
    const overheads = t.deployWall.map((w, i) => w - t.host[i])
    const overhead = median(overheads)
    return {
      rows: [
        {
          metric: 'upsc status: process start to first AWS request',
          upsc: fmtMs(status),
          baseline: fmtMs(median(t.awsEc2)),
          baselineName: 'aws ec2 describe-instances (CLI v1)',
          ratio: fmtRatio(status / median(t.awsEc2)),
          target: '≤ 200 ms',
          met: status <= 200,
        },
        {
          metric: 'upsc deploy: process start to SendCommand',
          upsc: fmtMs(deploy),
          baseline: fmtMs(median(t.awsSend)),
          baselineName: 'aws ssm send-command (CLI v1)',
          ratio: fmtRatio(deploy / median(t.awsSend)),
          target: '≤ 250 ms',
          met: deploy <= 250,
        },
        {
          metric: "upsc deploy: CLI overhead (wall time minus the host scripts' own time)",
          upsc: fmtMs(overhead),
          baseline: fmtMs(median(t.host)),
          baselineName: `host scripts' time, of a ${fmtMs(median(t.deployWall))} deploy`,
          ratio: '',
          target: '≤ 0.5 s',
          met: overhead <= 500,
        },
      ],
      notes: [
        `${RUNS} runs of each, interleaved, medians. \`node -e 0\` in the same runs: ${fmtMs(node)}; the first request left at ${fmtRatio(status / node)} of it for status, SendCommand at ${fmtRatio(deploy / node)} for deploy, and the CLI overhead of a deploy was ${fmtRatio(overhead / node)} of it (the targets are absolute times, for a machine where \`node -e 0\` takes 70-85 ms). The first request of \`upsc status\` is ec2:DescribeInstances; deploys alternate between main and feature-x (fetch, fake build, health gate), after one deploy not counted.`,
        "Host scripts' time: the union of the executions of the Run Commands the deploy sent, as the SSM sandbox recorded them (start and end of each script on the host); the overhead is everything else: start-up, AWS requests, polling.",
      ],
    }
  } finally {
    for (const p of proxies) await p.stop()
    await standIn.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
