import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {type CliResult, jsonDocument, RUN, runCli, stepsOnce, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe('deploy, history, rollback and the lock through the CLI', () => {
  let standIn: StandIn
  let cwd: string
  let host: StandIn['hosts'][number]['host']
  const cli = (args: string[], timeoutMs = 120_000) => runCli(args, {cwd, env: standIn.env, timeoutMs})

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    host = standIn.hosts[0].host
    cwd = writeConfig()
  })
  afterAll(async () => standIn?.stop())

  /** One deploy of the shared scenario, with the host's build count around it. */
  interface Deployed extends CliResult {
    buildsBefore: number
    buildsAfter: number
  }
  const SCENARIO = [
    ['deploy', '--branch', 'main'],
    ['deploy', '--branch', 'feature-x'],
    ['deploy', '--branch', 'bad-health', '--json'],
  ]
  /**
   * The first n deploys of the scenario the history and rollback tests read (main, then
   * feature-x, then bad-health, rolled back to feature-x).
   */
  const deployed = stepsOnce(
    SCENARIO.map((args) => async (): Promise<Deployed> => {
      const buildsBefore = host.buildCount()
      const run = await cli(args)
      return {...run, buildsBefore, buildsAfter: host.buildCount()}
    }),
  )

  it('refuses a hostile branch name before any AWS call (exit 2)', async () => {
    const canary = join(host.root, 'CANARY')
    const builds = host.buildCount()
    for (const branch of [`$(touch ${canary})`, '`touch${IFS}CANARY`', "main';touch CANARY;'", '-rf', 'a\nb']) {
      const {code, stderr} = await cli(['deploy', '--branch', branch])
      expect(code, stderr).toBe(2)
      expect(stderr).toContain('Cannot deploy branch')
    }
    expect(existsSync(canary)).toBe(false)
    expect(host.buildCount()).toBe(builds)
  })

  it('deploys a branch: builds, starts, health-checks, with live step output, and status shows the commit healthy', async () => {
    const [{code, stdout, stderr}] = await deployed(1)
    expect(stderr).toContain('Sent deploy to')
    expect(code).toBe(0)
    // live step lines (plain mode: timestamped) and the summary
    expect(stdout).toMatch(/\d\d:\d\d:\d\d ✔ Fetching main \.\.\. done/)
    expect(stdout).toMatch(/✔ Building \.\.\. done/)
    expect(stdout).toMatch(/✔ Health gate \.\.\. done/)
    const commit = host.commitOf('main')
    expect(stdout).toContain(`✔ Deploy main @ ${commit.slice(0, 7)}`)
    const status = await cli(['status', '--json'])
    expect(status.code).toBe(0)
    const result = JSON.parse(status.stdout)
    expect(result.instances[0].probe.repo.commit).toBe(commit)
    expect(result.instances[0].checks.find((c: {id: string}) => c.id === 'deploy.last')).toMatchObject({verdict: 'ok'})
  }, 300_000)

  it('rolls back automatically when the new commit fails its health gate (exit 5), without building', async () => {
    const [, featureX, {code, stdout, buildsBefore, buildsAfter}] = await deployed(3)
    expect(featureX!.code, featureX!.stderr).toBe(0)
    expect(code).toBe(5)
    const result = jsonDocument('deploy', stdout)
    const [h] = result.hosts
    expect(h.outcome).toBe('rolled-back')
    expect(h.result.commit).toBe(host.commitOf('bad-health'))
    expect(h.result.rolledBackTo).toBe(host.commitOf('feature-x'))
    // builds happened for bad-health only (one per service), none for the rollback
    const buildsForBadHealth = buildsAfter - buildsBefore
    expect(h.steps.map((s: {name: string}) => s.name)).not.toContain('rollback-build')
    expect(buildsForBadHealth).toBe(2)
    // feature-x serves again
    const status = await cli(['status', '--json'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout).instances[0].probe.repo.commit).toBe(host.commitOf('feature-x'))
  }, 300_000)

  it('lists every attempt newest first in history', async () => {
    await deployed(3)
    const {code, stdout} = await cli(['history', '--json'])
    expect(code).toBe(0)
    const {records} = jsonDocument('history', stdout)
    expect(records.slice(0, 4).map((r: {kind: string; branch: string; outcome: string}) => `${r.kind}:${r.branch}:${r.outcome}`)).toEqual([
      'rollback:feature-x:succeeded',
      'deploy:bad-health:rolled-back',
      'deploy:feature-x:succeeded',
      'deploy:main:succeeded',
    ])
    expect(records[0].caller).toMatch(/^arn:aws:/)
    const table = await cli(['history'])
    expect(table.stdout).toMatch(/When +Id +Who +Kind +Branch +Commit +Outcome +Duration/)
  }, 300_000)

  it('refuses to roll back without a terminal unless --yes', async () => {
    const {code, stderr} = await cli(['rollback'])
    expect(code).toBe(2)
    expect(stderr).toContain('Pass --yes')
  })

  it('rolls back to the previous good deployment with zero builds', async () => {
    await deployed(3)
    const builds = host.buildCount()
    const {code, stdout, stderr} = await cli(['rollback', '--yes'])
    expect(code, stdout + stderr).toBe(0)
    expect(stdout).toMatch(new RegExp(`-> +main @ ${host.commitOf('main').slice(0, 7)}`))
    expect(host.buildCount()).toBe(builds)
    const status = await cli(['status', '--json'])
    expect(JSON.parse(status.stdout).instances[0].probe.repo.commit).toBe(host.commitOf('main'))
  }, 300_000)

  it('fails clearly for an unknown rollback target', async () => {
    const {code, stderr} = await cli(['rollback', '--to', 'deadbeef', '--yes'])
    expect(code).toBe(1)
    expect(stderr).toContain('unknown rollback target deadbeef')
  })

  it('shows the lock as free between deploys', async () => {
    const {code, stdout} = await cli(['lock', 'status', '--json'])
    expect(code).toBe(0)
    expect(jsonDocument('lock', stdout).hosts[0]).toMatchObject({held: false, stale: false})
  })

  it('on Ctrl-C stops following, says the deploy goes on, and --attach follows it to the end', async () => {
    const child = spawn(process.execPath, [RUN, 'deploy', '--branch', 'slow-build'], {
      cwd,
      env: {PATH: process.env.PATH!, HOME: cwd, NO_COLOR: '1', ...standIn.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    // Interrupt once the build has started on the host.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/Building/.test(out)) {
          clearInterval(timer)
          child.kill('SIGINT')
          resolve()
        }
      }, 100)
      setTimeout(() => (clearInterval(timer), reject(new Error(`no build step seen: ${out}`))), 60_000)
    })
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)))
    expect(code).toBe(130)
    expect(out).toContain('Stopped following. The deploy goes on on the host.')
    const commandId = /--attach ([0-9a-f-]{36})/.exec(out)?.[1]
    expect(commandId).toBeDefined()
    const attached = await cli(['deploy', '--attach', commandId!])
    expect(attached.code).toBe(0)
    expect(attached.stdout).toContain(`✔ Deploy slow-build @ ${host.commitOf('slow-build').slice(0, 7)}`)
  })
})
