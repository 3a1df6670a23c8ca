// The blueGreen strategy, run for real: deploy.sh and rollback.sh with bluegreen.sh in bash on a
// sandbox host, the fake docker's services on loopback, and a real nginx in front of them, under
// a bounded load on loopback.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {startLoad} from '../../../tools/stand-in/load.js'
import {freePort} from '../../../tools/stand-in/util.js'
import {FAST, historyFile, hooks, newHost} from './helpers.ts'
import {runScript} from './run-script.ts'

const nginx = spawnSync('nginx', ['-v'], {encoding: 'utf8'}).status === 0

/** Settings of a blueGreen stage whose api faces traffic on `publicPort`. */
function blueGreen(publicPort, extra = {}) {
  return {
    ...FAST,
    UPSC_STRATEGY: 'blueGreen',
    UPSC_BG_COUNT: 1,
    UPSC_BG_1_SERVICE: 'api',
    UPSC_BG_1_PORT: 8000,
    UPSC_BG_1_PUBLIC_PORT: publicPort,
    UPSC_BG_LISTEN_HOST: '127.0.0.1',
    UPSC_BG_KEEP_WARM_SECONDS: 600,
    ...extra,
  }
}

/** GET a path through the proxy: status, body and the colour that answered. */
async function viaProxy(port, urlPath = '/version') {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, {signal: AbortSignal.timeout(3000)})
  return {status: response.status, body: (await response.text()).trim(), colour: response.headers.get('x-upsc-colour')}
}

/** The names of the steps that ended (ok or fail), in order. */
const ended = (result) => result.steps.filter((s) => s.status !== 'start').map((s) => s.name)

/** Containers of the host by name -> state. */
function containers(host) {
  return Object.fromEntries(host.containers().map((c) => [c.name, c.state]))
}

/** A host on blueGreen, `main` live in blue (deployed in place first, then migrated). */
async function hostOnBlue() {
  const host = newHost()
  const port = await freePort()
  const first = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
  expect(first.code, first.stdout).toBe(0)
  const migrated = await runScript(host, 'deploy', {...blueGreen(port), UPSC_BRANCH: 'main'})
  expect(migrated.code, migrated.stdout).toBe(0)
  return {host, port}
}

/** Run a script with the load running for the whole of it. */
async function underLoad(port, run) {
  const load = startLoad({url: `http://127.0.0.1:${port}/`, rate: 100})
  const result = await run()
  return {result, load: await load.stop()}
}

describe.skipIf(!nginx)('blueGreen deploy and rollback behind nginx (needs nginx; .ci/run installs it)', () => {
  it('migrates an inPlace stage: the api moves into the blue colour behind the proxy, the worker stays shared', async () => {
    const {host, port} = await hostOnBlue()
    expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
    const state = containers(host)
    expect(state['upscapp-be-blue-api-1']).toBe('running')
    expect(state['upscapp-be-worker-1']).toBe('running')
    expect(state['upscapp-be-api-1']).toBeUndefined()
    expect(historyFile(host).at(-1)).toMatchObject({outcome: 'succeeded', colour: 'blue'})
    // The proxy is a real nginx, with its own config and pid under UPSC_HOME/proxy.
    const pid = Number(fs.readFileSync(path.join(host.upscHome, 'proxy', 'nginx.pid'), 'utf8'))
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/^nginx: master process/)
  }, 120_000)

  it('switches to the new version in the idle colour with no failed request under load', async () => {
    const {host, port} = await hostOnBlue()
    const {result, load} = await underLoad(port, () => runScript(host, 'deploy', {...blueGreen(port), UPSC_BRANCH: 'feature-x'}))
    expect(result.code, result.stdout).toBe(0)
    expect(result.steps.map((s) => `${s.name} ${s.status}`)).toEqual(expect.arrayContaining(['start ok', 'gate ok', 'switch ok', 'shared ok']))
    expect(result.result.blueGreen).toMatchObject({live: 'green', warm: 'blue', warmCommit: expect.stringMatching(/^[0-9a-f]{40}$/)})
    expect(load.errors + load.non2xx, load.samples.join('; ')).toBe(0)
    expect(load.total).toBeGreaterThan(50)
    expect(load.colours.green).toBeGreaterThan(0)
    expect(await viaProxy(port)).toEqual({status: 200, body: 'feature-x', colour: 'green'})
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'feature-x', outcome: 'succeeded', colour: 'green'})
    // The previous colour stays warm for a rollback.
    expect(containers(host)['upscapp-be-blue-api-1']).toBe('running')
  }, 120_000)

  it('never sends traffic to a version that fails its gate: the idle colour is stopped and the result says so', async () => {
    const {host, port} = await hostOnBlue()
    const {result, load} = await underLoad(port, () => runScript(host, 'deploy', {...blueGreen(port), UPSC_BRANCH: 'bad-health'}))
    expect(result.code, result.stdout).toBe(1)
    expect(result.result).toMatchObject({outcome: 'failed', failedStep: 'gate', blueGreen: {live: 'blue'}})
    expect(result.result.advice).toMatch(/no traffic reached [0-9a-f]{12}: the green colour was stopped; the live version was not changed/)
    expect(ended(result)).not.toContain('switch')
    expect(load.errors + load.non2xx, load.samples.join('; ')).toBe(0)
    expect(Object.keys(load.colours)).toEqual(['blue'])
    expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
    expect(containers(host)['upscapp-be-green-api-1']).toBe('exited')
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'bad-health', outcome: 'failed', colour: 'blue'})
  }, 120_000)

  it('rolls back to the warm colour with a switch alone: no build, no start, no failed request', async () => {
    const {host, port} = await hostOnBlue()
    const deployed = await runScript(host, 'deploy', {...blueGreen(port), UPSC_BRANCH: 'feature-x'})
    expect(deployed.code, deployed.stdout).toBe(0)
    // Status sees the live colour, the warm one and the proxy; the api's check runs in the live colour.
    const probe = await runScript(host, 'probe', blueGreen(port))
    expect(probe.result.blueGreen).toMatchObject({
      strategy: 'blueGreen',
      live: 'green',
      idle: 'blue',
      idleState: 'running',
      idleCommit: host.commitOf('main'),
      proxy: {running: true, ports: [{service: 'api', port, status: 200, colour: 'green'}]},
    })
    expect(probe.result.healthChecks).toMatchObject([{name: 'api', ok: true}])
    const builds = host.buildCount()
    const {result, load} = await underLoad(port, () => runScript(host, 'rollback', blueGreen(port)))
    expect(result.code, result.stdout).toBe(0)
    expect(ended(result)).toEqual(['lock', 'target', 'switch', 'docker', 'restore', 'shared'])
    expect(result.steps.find((s) => s.name === 'switch' && s.status === 'ok').text).toMatch(/^green -> blue in \d+ms \(warm\)$/)
    expect(host.buildCount(), result.stdout).toBe(builds)
    expect(load.errors + load.non2xx, load.samples.join('; ')).toBe(0)
    expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
    expect(historyFile(host).at(-1)).toMatchObject({kind: 'rollback', outcome: 'succeeded', colour: 'blue'})
  }, 120_000)

  it('rolls back to a stopped colour by starting it from its upsc-<sha> images, then switching', async () => {
    const {host, port} = await hostOnBlue()
    // No warm time: the previous colour stops right after the switch.
    const deployed = await runScript(host, 'deploy', {...blueGreen(port, {UPSC_BG_KEEP_WARM_SECONDS: 0}), UPSC_BRANCH: 'feature-x'})
    expect(deployed.code, deployed.stdout).toBe(0)
    expect(containers(host)['upscapp-be-blue-api-1']).toBe('exited')
    const builds = host.buildCount()
    const result = await runScript(host, 'rollback', blueGreen(port))
    expect(result.code, result.stdout).toBe(0)
    expect(ended(result)).toEqual(['lock', 'target', 'docker', 'restore', 'start', 'gate', 'switch', 'shared'])
    expect(host.buildCount()).toBe(builds)
    expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
  }, 120_000)

  it('a failing post-deploy hook with rollbackOnFailure fails the deploy with traffic on the new colour and the old one warm; rollback switches back', async () => {
    const {host, port} = await hostOnBlue()
    const failing = hooks('POST_DEPLOY', [{command: ['bash', '-c', 'echo smoke test of "$UPSC_COMMIT"; exit 4'], rollback: true}])
    const result = await runScript(host, 'deploy', {...blueGreen(port), UPSC_BRANCH: 'feature-x', ...failing})
    expect(result.code, result.stdout).toBe(1)
    expect(result.stdout).toContain(`smoke test of ${host.commitOf('feature-x')}`)
    expect(result.result).toMatchObject({
      outcome: 'failed',
      failedStep: 'post-deploy-hooks',
      reason: 'post-deploy hook 1 (bash) failed: exit 4',
      blueGreen: {live: 'green', warm: 'blue'},
    })
    expect(result.result.advice).toMatch(/^traffic runs [0-9a-f]{12}; the blue colour is warm: upsc rollback switches back/)
    expect(await viaProxy(port)).toEqual({status: 200, body: 'feature-x', colour: 'green'})
    expect(containers(host)['upscapp-be-blue-api-1']).toBe('running')
    expect(historyFile(host).at(-1)).toMatchObject({branch: 'feature-x', outcome: 'failed', failedStep: 'post-deploy-hooks'})

    const builds = host.buildCount()
    const back = await runScript(host, 'rollback', blueGreen(port))
    expect(back.code, back.stdout).toBe(0)
    expect(ended(back)).toContain('switch')
    expect(host.buildCount()).toBe(builds)
    expect(await viaProxy(port)).toEqual({status: 200, body: 'main', colour: 'blue'})
    expect(historyFile(host).at(-1)).toMatchObject({kind: 'rollback', outcome: 'succeeded', commit: host.commitOf('main'), colour: 'blue'})
  }, 120_000)

  it('goes back to inPlace with one deploy: the proxy stops and the app runs in its own project again', async () => {
    const {host, port} = await hostOnBlue()
    const result = await runScript(host, 'deploy', {...blueGreen(port, {UPSC_STRATEGY: 'inPlace'}), UPSC_BRANCH: 'feature-x'})
    expect(result.code, result.stdout).toBe(0)
    expect(result.stdout).toContain('Leaving blueGreen')
    const state = containers(host)
    expect(state['upscapp-be-api-1']).toBe('running')
    expect(state['upscapp-be-blue-api-1']).toBeUndefined()
    await expect(viaProxy(port)).rejects.toThrow()
    expect(fs.existsSync(path.join(host.upscHome, 'bluegreen', 'live'))).toBe(false)
  }, 120_000)
})
