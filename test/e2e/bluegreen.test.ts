import {spawnSync} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startLoad} from '../../tools/stand-in/load.js'
// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
// @ts-expect-error plain JS rig
import {freePort} from '../../tools/stand-in/util.js'
import {runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>
type Load = {total: number; ok: number; non2xx: number; errors: number; colours: Record<string, number>; samples: string[]}

const nginx = spawnSync('nginx', ['-v']).status === 0

describe.skipIf(!nginx)('blueGreen through the CLI: deploy under load, a failing branch, a warm rollback (needs nginx; .ci/run installs it)', () => {
  let standIn: StandIn
  let cwd: string
  let host: StandIn['hosts'][number]['host']
  let port: number
  const cli = (args: string[]) => runCli(args, {cwd, env: standIn.env, timeoutMs: 180_000})
  /** Run the CLI with 100 requests a second through the proxy for the whole of it. */
  const underLoad = async (args: string[]) => {
    const load = startLoad({url: `http://127.0.0.1:${port}/`, rate: 100})
    const run = await cli(args)
    return {run, load: (await load.stop()) as Load}
  }
  const served = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/version`, {signal: AbortSignal.timeout(3000)})
    return {version: (await response.text()).trim(), colour: response.headers.get('x-upsc-colour')}
  }

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    host = standIn.hosts[0].host
    port = await freePort()
    cwd = writeConfig({
      stage2: sandboxStage({
        deploy: {strategy: 'blueGreen', services: [{name: 'api', port: 8000, publicPort: port}], listenHost: '127.0.0.1', keepWarmSeconds: 600},
      }),
    })
    const first = await cli(['deploy', '--branch', 'main'])
    expect(first.code, first.stdout + first.stderr).toBe(0)
  }, 240_000)
  afterAll(async () => standIn?.stop())

  it('deploys a branch into the idle colour and switches with 0 failed requests under load', async () => {
    expect(await served()).toEqual({version: 'main', colour: 'blue'})
    const {run, load} = await underLoad(['deploy', '--branch', 'feature-x', '--json'])
    expect(run.code, run.stderr).toBe(0)
    const [h] = JSON.parse(run.stdout).hosts
    expect(h.result.blueGreen).toMatchObject({live: 'green', warm: 'blue'})
    expect(load.errors + load.non2xx, load.samples.join('; ')).toBe(0)
    expect(load.colours.blue).toBeGreaterThan(0)
    expect(load.colours.green).toBeGreaterThan(0)
    expect(await served()).toEqual({version: 'feature-x', colour: 'green'})
  }, 240_000)

  it('never sends traffic to a branch that fails its health gate', async () => {
    const {run, load} = await underLoad(['deploy', '--branch', 'bad-health', '--json'])
    expect(run.code).toBe(1)
    const [h] = JSON.parse(run.stdout).hosts
    expect(h.result.failedStep).toBe('gate')
    expect(h.result.advice).toContain('no traffic reached')
    expect(load.errors + load.non2xx, load.samples.join('; ')).toBe(0)
    expect(Object.keys(load.colours)).toEqual(['green'])
    expect(await served()).toEqual({version: 'feature-x', colour: 'green'})
  }, 240_000)

  it('rolls back to the warm colour: a switch, no build, 0 failed requests', async () => {
    // The failed deploy replaced the idle colour; a good deploy makes main warm again.
    const again = await cli(['deploy', '--branch', 'main'])
    expect(again.code, again.stdout).toBe(0)
    expect(await served()).toEqual({version: 'main', colour: 'blue'})
    const builds = host.buildCount()
    const {run, load} = await underLoad(['rollback', '--yes', '--json'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(host.buildCount()).toBe(builds)
    expect(load.errors + load.non2xx, load.samples.join('; ')).toBe(0)
    expect(await served()).toEqual({version: 'feature-x', colour: 'green'})
    const history = JSON.parse((await cli(['history', '--json'])).stdout)
    expect(history.records[0]).toMatchObject({kind: 'rollback', outcome: 'succeeded', colour: 'green'})
    const status = await cli(['status', '--json'])
    expect(status.code, status.stdout).toBe(0)
    const checks = JSON.parse(status.stdout).instances[0].checks
    expect(checks.find((c: {id: string}) => c.id === 'bluegreen.live')).toMatchObject({
      verdict: 'ok',
      detail: expect.stringMatching(/^green @ [0-9a-f]{7}; blue @ [0-9a-f]{7} warm/),
    })
    expect(checks.find((c: {id: string}) => c.id === 'bluegreen.proxy')).toMatchObject({verdict: 'ok', detail: `nginx :${port} api -> green (HTTP 200)`})
  }, 240_000)
})
