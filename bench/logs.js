// `upsc logs` against the same moto log group, in one run:
// 1. printing 100,000 events with --since: wall time and peak memory of upsc, beside the AWS CLI v1
//    (`aws logs filter-log-events`, paging the same range) and beside the floor (bench/logs-floor.js:
//    the AWS SDK paging the same range, printing nothing). Runs alternate; times are medians, the
//    peak memory is the highest of upsc's runs. Peak memory is the kernel's maximum resident set
//    size of the process, from /usr/bin/time -f %M.
// 2. follow latency: from just before PutLogEvents to the line printed by `upsc logs -f`.
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {startStandIn} from '../tools/stand-in/stand-in.js'

export const title = 'upsc logs: printing 100,000 events, and follow latency'

const RUN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const FLOOR = fileURLToPath(new URL('./logs-floor.js', import.meta.url))
const RUNS = 3
const EVENTS = 100_000
const BIG = '/bench/logs-100k'
const FOLLOW = '/bench/logs-follow'
const LATENCY_EVENTS = 240
const MIB = 2 ** 20

const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`
const mib = (bytes) => `${(bytes / MIB).toFixed(0)} MiB`
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A deterministic pseudo-random sequence in [0, 1), so every run puts the same workload. */
function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/**
 * Run a command under /usr/bin/time: wall time (measured here), peak memory (the kernel's maximum
 * resident set size of the process), and how often `pattern` occurs on stdout (counted as it
 * streams: nothing is kept).
 */
function measure(command, args, {env, cwd, pattern}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn('/usr/bin/time', ['-f', '%M', command, ...args], {env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
    let count = 0
    let tail = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      const text = tail + chunk
      let at = text.indexOf(pattern)
      let last = 0
      while (at !== -1) {
        count++
        last = at + pattern.length
        at = text.indexOf(pattern, last)
      }
      tail = text.slice(Math.max(last, text.length - pattern.length + 1))
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      const lines = stderr.trimEnd().split('\n')
      const peakKiB = Number(lines.pop())
      resolve({code, ms, peak: peakKiB * 1024, count, stderr: lines.join('\n')})
    })
  })
}

async function seed(logs, m, now) {
  await logs.send(new m.CreateLogGroupCommand({logGroupName: BIG}))
  const streams = ['i-0123456789abcdef0/deploy', 'i-0123456789abcdef0/user-data', 'app/api', 'app/worker']
  for (const s of streams) await logs.send(new m.CreateLogStreamCommand({logGroupName: BIG, logStreamName: s}))
  // Spread over 8 minutes, ending a minute before now, interleaved across the streams.
  const first = now - 9 * 60_000
  const span = 8 * 60_000
  const perStream = EVENTS / streams.length
  for (let s = 0; s < streams.length; s++) {
    for (let from = 0; from < perStream; from += 5000) {
      const logEvents = []
      for (let k = from; k < Math.min(perStream, from + 5000); k++) {
        const i = k * streams.length + s
        logEvents.push({
          timestamp: first + Math.floor((i * span) / EVENTS),
          message: `event ${i} GET /api/v1/items?page=${i % 50} 200 ${i % 97}ms user=u${i % 997} request-id=${(i * 2654435761) >>> 0}`,
        })
      }
      await logs.send(new m.PutLogEventsCommand({logGroupName: BIG, logStreamName: streams[s], logEvents}))
    }
  }
  return first
}

async function printing(env, cwd, first, log) {
  const since = new Date(first - 1000).toISOString()
  const startMs = String(first - 1000)
  const results = {upsc: [], floor: [], cli: []}
  for (let run = 1; run <= RUNS; run++) {
    const upsc = await measure(process.execPath, [RUN, 'logs', '--stage', 'big', '--since', since], {env, cwd, pattern: '\n'})
    if (upsc.code !== 0 || upsc.count !== EVENTS) throw new Error(`upsc logs: exit ${upsc.code}, ${upsc.count} lines\n${upsc.stderr}`)
    const floor = await measure(process.execPath, [FLOOR, BIG, startMs], {env, cwd, pattern: '\n'})
    if (floor.code !== 0 || Number(floor.stderr.trim()) !== EVENTS) throw new Error(`floor: exit ${floor.code}\n${floor.stderr}`)
    const cli = await measure('aws', ['logs', 'filter-log-events', '--log-group-name', BIG, '--start-time', startMs, '--interleaved', '--output', 'json'], {
      env,
      cwd,
      pattern: '"eventId"',
    })
    if (cli.code !== 0 || cli.count !== EVENTS) throw new Error(`aws logs filter-log-events: exit ${cli.code}, ${cli.count} events\n${cli.stderr}`)
    for (const [name, r] of Object.entries({upsc, floor, cli})) results[name].push(r)
    log(
      `run ${run}/${RUNS}: upsc ${seconds(upsc.ms)} ${mib(upsc.peak)}, floor ${seconds(floor.ms)} ${mib(floor.peak)}, aws cli ${seconds(cli.ms)} ${mib(cli.peak)}`,
    )
  }
  return results
}

async function followLatency(env, cwd, logs, m, log) {
  await logs.send(new m.CreateLogGroupCommand({logGroupName: FOLLOW}))
  await logs.send(new m.CreateLogStreamCommand({logGroupName: FOLLOW, logStreamName: 'app/api'}))
  const child = spawn(process.execPath, [RUN, 'logs', '--stage', 'follow', '--follow', '--since', '30s', '--format', 'json'], {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const putAt = new Map()
  const latencies = []
  let ready = false
  let stderr = ''
  let buffered = ''
  child.stderr.on('data', (d) => (stderr += d))
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    const now = performance.now()
    const lines = (buffered + chunk).split('\n')
    buffered = lines.pop()
    for (const line of lines) {
      const {message} = JSON.parse(line)
      if (message === 'ready') ready = true
      const sent = putAt.get(message)
      if (sent !== undefined) {
        latencies.push(now - sent)
        putAt.delete(message)
      }
    }
  })
  const exited = new Promise((resolve) => child.on('close', resolve))
  const put = (message) => logs.send(new m.PutLogEventsCommand({logGroupName: FOLLOW, logStreamName: 'app/api', logEvents: [{timestamp: Date.now(), message}]}))

  await put('ready')
  for (let i = 0; !ready; i++) {
    if (i > 300) throw new Error(`upsc logs --follow never printed its first event\n${stderr}`)
    await sleep(100)
  }
  // Bursts of 1-5 lines 20-100 ms apart, then 0.1-3 s of quiet: like a deploy's output.
  const next = random(9)
  for (let sent = 0; sent < LATENCY_EVENTS; ) {
    const burst = 1 + Math.floor(next() * 5)
    for (let k = 0; k < burst && sent < LATENCY_EVENTS; k++, sent++) {
      const message = `latency ${sent}`
      putAt.set(message, performance.now())
      await put(message)
      await sleep(20 + next() * 80)
    }
    await sleep(100 + next() * 2900)
    if (sent % 40 < burst) log(`follow: ${sent}/${LATENCY_EVENTS} events put`)
  }
  for (let i = 0; putAt.size > 0 && i < 100; i++) await sleep(100)
  child.kill('SIGINT')
  const code = await exited
  if (putAt.size > 0) throw new Error(`upsc logs --follow missed ${putAt.size} events\n${stderr}`)
  if (code !== 0) throw new Error(`upsc logs --follow exited ${code} on Ctrl-C\n${stderr}`)
  return latencies
}

export async function run({log}) {
  if (!existsSync('/usr/bin/time')) throw new Error('bench/logs.js needs GNU time (/usr/bin/time) for peak memory')
  const standIn = await startStandIn({hosts: []})
  const dir = mkdtempSync(join(tmpdir(), 'upsc-bench-logs-'))
  const m = await import('@aws-sdk/client-cloudwatch-logs')
  const logs = new m.CloudWatchLogsClient({
    endpoint: standIn.motoUrl,
    region: standIn.region,
    credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    maxAttempts: 1,
  })
  try {
    const stage = (logGroup) => ({region: standIn.region, instances: {tags: {Name: 'none'}}, logGroup})
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({defaultStage: 'big', stages: {big: stage(BIG), follow: stage(FOLLOW)}}))
    const env = {...process.env, ...standIn.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NO_COLOR: '1'}

    log(`seeding ${EVENTS} events`)
    const first = await seed(logs, m, Date.now())
    const r = await printing(env, dir, first, log)
    log('measuring follow latency')
    const latencies = await followLatency(env, dir, logs, m, log)

    const t = (name) => median(r[name].map((x) => x.ms))
    const peak = Math.max(...r.upsc.map((x) => x.peak))
    const p50 = percentile(latencies, 50)
    const p95 = percentile(latencies, 95)
    const row = (metric, upsc, baseline, baselineName, ratio, target, met) => ({metric, upsc, baseline, baselineName, ratio, target, met})
    return {
      rows: [
        row(
          'print 100,000 events (--since), wall time',
          seconds(t('upsc')),
          seconds(t('floor')),
          'floor: SDK paging, prints nothing',
          `${(t('upsc') / t('floor')).toFixed(2)}x`,
          '≤ 1.15x the floor',
          t('upsc') <= 1.15 * t('floor'),
        ),
        row(
          'print 100,000 events (--since), wall time',
          seconds(t('upsc')),
          seconds(t('cli')),
          'aws logs filter-log-events (CLI v1)',
          `${(t('upsc') / t('cli')).toFixed(2)}x`,
          'faster than the AWS CLI',
          t('upsc') < t('cli'),
        ),
        row(
          'print 100,000 events, peak memory (max RSS)',
          mib(peak),
          mib(Math.max(...r.floor.map((x) => x.peak))),
          'floor',
          `${(peak / Math.max(...r.floor.map((x) => x.peak))).toFixed(2)}x`,
          '< 150 MiB',
          peak < 150 * MIB,
        ),
        row(`follow latency p50 (${latencies.length} events)`, seconds(p50), '—', 'no follow in AWS CLI v1', '—', '≤ 1.0 s', p50 <= 1000),
        row(`follow latency p95 (${latencies.length} events)`, seconds(p95), '—', 'no follow in AWS CLI v1', '—', '≤ 2.0 s', p95 <= 2000),
      ],
      notes: [
        `Medians of ${RUNS} alternating runs against one moto log group of ${EVENTS} events in 4 streams over 8 minutes; upsc prints every event (short format) to a pipe, the AWS CLI prints JSON to a pipe, the floor prints nothing. Peak memory is the highest max RSS (GNU time %M) of upsc's runs; AWS CLI peak: ${mib(Math.max(...r.cli.map((x) => x.peak)))}.`,
        'The floor pages one FilterLogEvents query (10,000 events a page), as a minimal client does. upsc reads the first page (4,000 events), then cuts the rest of the range into time slices (the first about 3,000 events wide at the density seen, each next one twice as wide, a denser one cut again), reads 2 at a time and prints them in order. moto filters and sorts the whole range of a query for every page it returns, so a page of a long range costs far more than a page of a narrow slice; the service also serves one query a page at a time.',
        `Follow latency: from just before PutLogEvents to the line read from \`upsc logs -f --format json\`; ${LATENCY_EVENTS} events in bursts of 1-5 lines with 0.1-3 s of quiet between (fixed pseudo-random seed), min ${seconds(Math.min(...latencies))}, max ${seconds(Math.max(...latencies))}. The AWS CLI v2's \`logs tail --follow\` (not installed here) polls every 5 s.`,
      ],
    }
  } finally {
    logs.destroy()
    await standIn.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}
