import {CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {jsonDocument, runCli, startCli, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

const G = '/aws/ec2/upscpro-stage2-docker'
const G2 = '/aws/ssm/AWS-RunShellScript'

interface JsonLine {
  time: string
  timestamp: number
  group: string
  stream: string
  message: string
  eventId: string
}

const parse = (stdout: string): JsonLine[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => jsonDocument('logs', line) as JsonLine)

describe('upsc logs against the stand-in', () => {
  let standIn: StandIn
  let cwd: string
  let logs: CloudWatchLogsClient
  let instanceId: string
  /** The first event's timestamp: 8 minutes before the events are put. */
  let t0: number
  /** A --since duration that reaches back to t0 now, however long the tests before took. */
  const sinceT0 = () => `${Math.floor((Date.now() - t0) / 60_000) + 1}m`

  const put = async (group: string, stream: string, events: {timestamp: number; message: string}[]) => {
    await logs.send(new CreateLogStreamCommand({logGroupName: group, logStreamName: stream})).catch((error: Error) => {
      if (error.name !== 'ResourceAlreadyExistsException') throw error
    })
    await logs.send(new PutLogEventsCommand({logGroupName: group, logStreamName: stream, logEvents: events}))
  }

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    instanceId = standIn.hosts[0].instanceId
    logs = new CloudWatchLogsClient({
      endpoint: standIn.motoUrl,
      region: 'eu-central-1',
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
      maxAttempts: 1,
    })
    for (const group of [G, G2]) await logs.send(new CreateLogGroupCommand({logGroupName: group}))
    t0 = Date.now() - 8 * 60_000
    // Streams of the stage group and of a second group, interleaved in time (one event per second).
    await put(
      G,
      `${instanceId}/user-data`,
      [0, 4, 8].map((s) => ({timestamp: t0 + s * 1000, message: `user-data ${s}`})),
    )
    await put(
      G,
      `${instanceId}/deploy`,
      [1, 5, 9].map((s) => ({timestamp: t0 + s * 1000, message: `deploy ${s}${s === 5 ? ' ERROR build failed' : ''}`})),
    )
    await put(
      G,
      'app/api',
      [2, 6].map((s) => ({timestamp: t0 + s * 1000, message: `api ${s}`})),
    )
    await put(
      G,
      'app/worker',
      [10].map((s) => ({timestamp: t0 + s * 1000, message: `worker ${s}`})),
    )
    await put(
      G2,
      `cmd-1/${instanceId}/aws-runShellScript/stdout`,
      [3, 7].map((s) => ({timestamp: t0 + s * 1000, message: `run ${s}`})),
    )
    cwd = writeConfig()
  })
  afterAll(async () => {
    logs?.destroy()
    await standIn?.stop()
  })

  it('merges several streams and two groups into one time-ordered output', async () => {
    const {code, stdout, stderr} = await runCli(['logs', '--since', sinceT0(), '--group', G2, '--format', 'json'], {cwd, env: standIn.env})
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = parse(stdout)
    expect(lines.map((l) => l.message)).toEqual([
      'user-data 0',
      'deploy 1',
      'api 2',
      'run 3',
      'user-data 4',
      'deploy 5 ERROR build failed',
      'api 6',
      'run 7',
      'user-data 8',
      'deploy 9',
      'worker 10',
    ])
    expect(lines[3]).toMatchObject({
      group: G2,
      stream: `cmd-1/${instanceId}/aws-runShellScript/stdout`,
      timestamp: t0 + 3000,
      time: new Date(t0 + 3000).toISOString(),
    })
    expect(new Set(lines.map((l) => l.eventId)).size).toBe(11)
  })

  it('labels each line with its source (and its group when there are several)', async () => {
    const {code, stdout} = await runCli(['logs', '--since', sinceT0(), '--group', G2], {cwd, env: {...standIn.env, TZ: 'UTC'}})
    expect(code).toBe(0)
    const hms = (s: number) => new Date(t0 + s * 1000).toISOString().slice(11, 19)
    expect(stdout.split('\n').slice(0, 4)).toEqual([
      `${hms(0)} upscpro-stage2-docker:${instanceId}/user-data user-data 0`,
      `${hms(1)} upscpro-stage2-docker:${instanceId}/deploy deploy 1`,
      `${hms(2)} upscpro-stage2-docker:app/api api 2`,
      `${hms(3)} AWS-RunShellScript:cmd-1/${instanceId}/aws-runShellScript/stdout run 3`,
    ])
  })

  it('keeps to --since and --until, as durations or date-times', async () => {
    const iso = (s: number) => new Date(t0 + s * 1000).toISOString()
    const a = await runCli(['logs', '--since', iso(2), '--until', iso(6), '--format', 'json'], {cwd, env: standIn.env})
    expect(a.code).toBe(0)
    expect(parse(a.stdout).map((l) => l.message)).toEqual(['api 2', 'user-data 4', 'deploy 5 ERROR build failed', 'api 6'])

    const b = await runCli(['logs', '--since', '1m', '--format', 'json'], {cwd, env: standIn.env})
    expect(b.code).toBe(0)
    expect(b.stdout).toBe('')
    expect(b.stderr).toMatch(/^upsc: no events in \/aws\/ec2\/upscpro-stage2-docker from \S+ to now\.\n$/)
  })

  it('selects streams by alias (for each instance), by prefix, and by --filter', async () => {
    const deploy = await runCli(['logs', '--since', sinceT0(), '--stream', 'deploy', '--format', 'json'], {cwd, env: standIn.env})
    expect(deploy.code).toBe(0)
    expect(parse(deploy.stdout).map((l) => l.stream)).toEqual([`${instanceId}/deploy`, `${instanceId}/deploy`, `${instanceId}/deploy`])

    const app = await runCli(['logs', '--since', sinceT0(), '--stream', 'app/', '--stream', 'user-data', '--format', 'json'], {cwd, env: standIn.env})
    expect(parse(app.stdout).map((l) => l.message)).toEqual(['user-data 0', 'api 2', 'user-data 4', 'api 6', 'user-data 8', 'worker 10'])

    const errors = await runCli(['logs', '--since', sinceT0(), '--group', G2, '--filter', 'ERROR', '--format', 'json'], {cwd, env: standIn.env})
    expect(parse(errors.stdout).map((l) => l.message)).toEqual(['deploy 5 ERROR build failed'])
  })

  it('follows: picks up events put while tailing, each once, and a late event with an older timestamp', async () => {
    // Since 5 minutes: room for the late events however long the steps take (the ones put in beforeAll are older).
    const cli = startCli(['logs', '--follow', '--since', '5m', '--group', G2, '--format', 'json'], cwd, standIn.env)
    const count = (message: string) => parse(cli.out.stdout).filter((l) => l.message === message).length
    await put(G, 'app/api', [{timestamp: Date.now(), message: 'follow 1'}])
    await cli.waitFor(() => count('follow 1') > 0, 'follow 1')
    await put(G2, `cmd-2/${instanceId}/aws-runShellScript/stdout`, [{timestamp: Date.now(), message: 'follow 2'}])
    await put(G, `${instanceId}/deploy`, [{timestamp: Date.now(), message: 'follow 3'}])
    await cli.waitFor(() => count('follow 2') > 0 && count('follow 3') > 0, 'follow 2 and 3')
    // Shipped late: older than everything printed so far, once by a few seconds, once by 45 s.
    await put(G, 'app/worker', [
      {timestamp: Date.now() - 45_000, message: 'late by 45 s'},
      {timestamp: Date.now() - 5000, message: 'late by 5 s'},
    ])
    await cli.waitFor(() => count('late by 5 s') > 0 && count('late by 45 s') > 0, 'the late events', 25_000)
    // One more long re-read after all of them (only it finds an event 90 s old): still no duplicates.
    await put(G, 'app/worker', [{timestamp: Date.now() - 90_000, message: 'late by 90 s'}])
    await cli.waitFor(() => count('late by 90 s') > 0, 'a long re-read after the late events', 25_000)
    const code = await cli.interrupt()
    expect(code).toBe(0)
    expect(cli.out.stderr).toBe('')
    const messages = parse(cli.out.stdout).map((l) => l.message)
    for (const m of ['follow 1', 'follow 2', 'follow 3', 'late by 5 s', 'late by 45 s', 'late by 90 s']) expect(messages.filter((x) => x === m)).toEqual([m])
    expect(new Set(messages).size).toBe(messages.length)
  }, 90_000)

  it('falls back to polling with a notice where Live Tail is missing (moto), and Ctrl-C exits 0', async () => {
    const cli = startCli(['logs', '--live', '--since', '1m', '--stream', 'app/', '--format', 'json'], cwd, standIn.env)
    await cli.waitFor(() => cli.out.stderr.includes('following by polling instead'), 'the fallback notice')
    expect(cli.out.stderr).toMatch(/^upsc: Live Tail is not available \(.+\); following by polling instead\.\n$/)
    await put(G, 'app/api', [{timestamp: Date.now(), message: 'live fallback'}])
    await cli.waitFor(() => cli.out.stdout.includes('live fallback'), 'the event')
    expect(await cli.interrupt()).toBe(0)
  }, 60_000)

  it.each([['ten minutes'], ['10min'], ['2026-02-30']])('refuses --since %j with exit 2 and examples of valid values', async (value) => {
    const {code, stdout, stderr} = await runCli(['logs', '--since', value], {cwd, env: standIn.env})
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain(`--since "${value}" is neither a duration ago nor a date-time.`)
    expect(stderr).toContain('Use a duration ago such as 90s, 10m, 2h30m or 1d, or a date-time such as 2026-11-28T18:00:00Z')
  })

  it('fails with exit 1 and what to check when the log group does not exist', async () => {
    const dir = writeConfig({stage9: {region: 'eu-central-1', logGroup: '/aws/ec2/nothing-here'}})
    const {code, stderr} = await runCli(['logs'], {cwd: dir, env: standIn.env})
    expect(code).toBe(1)
    expect(stderr).toContain('Log group /aws/ec2/nothing-here does not exist.')
    expect(stderr).toContain('"logGroup"')
  })
})
