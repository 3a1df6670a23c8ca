// probe.sh on sandbox hosts: what `upsc status` reads.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, newHost} from './helpers.ts'
import {runScript} from './run-script.ts'

const PROBE_SETTINGS = {
  UPSC_HC_COUNT: 2,
  UPSC_HC_1_NAME: 'api',
  UPSC_HC_1_SERVICE: 'api',
  UPSC_HC_1_PORT: 8000,
  UPSC_HC_1_PATH: '/health',
  UPSC_HC_2_NAME: 'nothing-listens',
  UPSC_HC_2_URL: 'http://127.0.0.1:9/health',
  UPSC_HC_2_EXPECT: 200,
}

describe('probe.sh', () => {
  it('reports every section of a healthy host, in one result line', async () => {
    const host = newHost()
    // The images are built by this deploy: their times lie between these two instants (whole seconds).
    const before = Math.floor(Date.now() / 1000) * 1000
    const deploy = await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})
    expect(deploy.code).toBe(0)
    fs.writeFileSync(path.join(host.upscHome, 'bootstrap.json'), '{\n  "completedAt": "2026-11-28T18:00:00Z",\n  "ok": true\n}\n')
    const monitor = {
      schema: 1,
      checkedAt: '2026-11-28T18:03:00Z',
      outcome: 'healthy',
      restarts24h: {worker: 2},
      lastRecoveryAt: '2026-11-28T17:00:00Z',
      openIncidents: [],
    }
    fs.writeFileSync(path.join(host.upscHome, 'monitor.json'), `${JSON.stringify(monitor)}\n`)
    fs.mkdirSync(path.join(host.root, 'etc/systemd/system'), {recursive: true})
    fs.writeFileSync(path.join(host.root, 'etc/systemd/system/upscpro-monitor.timer'), '[Timer]\nOnCalendar=*:0/5\n')

    const run = await runScript(host, 'probe', {...PROBE_SETTINGS, UPSC_HC_COUNT: 1})
    const after = Date.now()
    expect(run.code).toBe(0)
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::upsc result'))).toHaveLength(1)
    const r = run.result
    expect(r.schema).toBe(1)
    expect(r.host.hostname).toEqual(expect.any(String))
    expect(r.host.uptimeSeconds).toBeGreaterThan(0)
    expect(r.host.diskTotalBytes).toBeGreaterThan(r.host.diskFreeBytes)
    expect(r.host.diskFreePercent).toBeGreaterThan(0)
    expect(r.host.diskFreePercent).toBeLessThanOrEqual(100)
    expect(r.docker).toEqual({running: true, serverVersion: '27.3.1', composeVersion: '2.29.7', error: null})
    expect(r.repo).toEqual({
      present: true,
      branch: 'main',
      commit: host.commitOf('main'),
      running: host.commitOf('main'),
      clean: true,
      untracked: [],
      untrackedCount: 0,
      error: null,
    })
    const tags = r.images.map((i) => `${i.repository}:${i.tag}`).sort()
    const sha = host.commitOf('main').slice(0, 12)
    expect(tags).toEqual([`upscapp-be-api:latest`, `upscapp-be-api:upsc-${sha}`, `upscapp-be-worker:latest`, `upscapp-be-worker:upsc-${sha}`])
    for (const image of r.images) {
      expect(image.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(Date.parse(image.createdAt)).toBeGreaterThanOrEqual(before)
      expect(Date.parse(image.createdAt)).toBeLessThanOrEqual(after)
      expect(image.ageSeconds).toBeGreaterThanOrEqual(0)
      expect(image.ageSeconds).toBeLessThanOrEqual(Math.ceil((after - before) / 1000))
    }
    expect(r.services).toEqual([
      {name: 'api', state: 'running', health: 'healthy', restarts: 0},
      {name: 'worker', state: 'running', health: null, restarts: 0},
    ])
    const port = host.servicePort('api')
    expect(r.healthChecks).toEqual([
      {name: 'api', url: `http://127.0.0.1:${port}/health`, expect: 200, status: 200, ok: true, latencyMs: expect.any(Number), error: null},
    ])
    expect(r.units).toEqual([
      {name: 'upscpro-deploy.service', present: false, enabled: null, active: expect.any(String)},
      {name: 'upscpro-monitor.timer', present: true, enabled: expect.any(String), active: expect.any(String)},
    ])
    expect(r.lastDeployment).toEqual(deploy.records[0])
    expect(r.bootstrap).toEqual({completedAt: '2026-11-28T18:00:00Z', ok: true})
    expect(r.monitor).toEqual(monitor)
  }, 60_000)

  it('reports a restart count and a crashed service', async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    await host.bumpRestartCount('worker', 3)
    await host.killService('api')
    const run = await runScript(host, 'probe', PROBE_SETTINGS)
    expect(run.code).toBe(0)
    expect(run.result.services).toEqual([
      {name: 'api', state: 'exited', health: null, restarts: 0},
      {name: 'worker', state: 'running', health: null, restarts: 3},
    ])
    const [api, nothing] = run.result.healthChecks
    expect(api.ok).toBe(false)
    expect(api.error).toMatch(/connect/i)
    expect(nothing).toMatchObject({name: 'nothing-listens', url: 'http://127.0.0.1:9/health', status: null, ok: false, latencyMs: null})
    expect(nothing.error).toMatch(/connect/i)
  }, 60_000)

  it('reports a service whose health check fails', async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    host.setServiceHealth('api', 503)
    const run = await runScript(host, 'probe', {...PROBE_SETTINGS, UPSC_HC_COUNT: 1})
    expect(run.result.healthChecks[0]).toMatchObject({name: 'api', expect: 200, status: 503, ok: false, error: 'status 503, expected 200'})
    expect(run.result.healthChecks[0].latencyMs).toEqual(expect.any(Number))
    expect(run.result.docker.running).toBe(true)
  }, 60_000)

  it('fails soft when docker is down: docker.running false, the other parts still reported', async () => {
    const host = newHost()
    expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
    await host.setDockerState({running: false})
    const run = await runScript(host, 'probe', PROBE_SETTINGS)
    expect(run.code).toBe(0)
    const r = run.result
    expect(r.docker.running).toBe(false)
    expect(r.docker.serverVersion).toBeNull()
    expect(r.docker.error).toMatch(/Cannot connect to the Docker daemon/)
    expect(r.images).toEqual([])
    expect(r.services).toEqual([])
    expect(r.repo).toMatchObject({present: true, commit: host.commitOf('main'), clean: true})
    expect(r.host.diskTotalBytes).toBeGreaterThan(0)
    expect(r.healthChecks.map((c) => [c.name, c.ok, c.error])).toEqual([
      ['api', false, 'docker is not running'],
      ['nothing-listens', false, expect.stringMatching(/connect/i)],
    ])
    expect(r.lastDeployment.outcome).toBe('succeeded')
  }, 60_000)

  it('reports a missing app dir and no history without failing', async () => {
    const host = newHost()
    fs.rmSync(host.appDir, {recursive: true, force: true})
    const run = await runScript(host, 'probe', {})
    expect(run.code).toBe(0)
    expect(run.result.repo).toEqual({
      present: false,
      branch: null,
      commit: null,
      running: null,
      clean: null,
      untracked: [],
      untrackedCount: 0,
      error: expect.stringMatching(/does not exist/),
    })
    expect(run.result.lastDeployment).toBeNull()
    expect(run.result.healthChecks).toEqual([])
  }, 30_000)
})

describe('probe.sh and the git index', () => {
  it('never takes .git/index.lock: a stale index is left as it is (git --no-optional-locks)', async () => {
    const host = newHost()
    const index = path.join(host.appDir, '.git', 'index')
    // Tracked files with new times: a plain `git status` would refresh the index and rewrite it
    // through index.lock, racing an operator's git command.
    const later = new Date(Date.now() + 5000)
    for (const file of ['docker-compose.yml', 'app/health']) fs.utimesSync(path.join(host.appDir, file), later, later)
    const before = fs.statSync(index)
    const run = await runScript(host, 'probe', PROBE_SETTINGS)
    expect(run.result.repo).toMatchObject({present: true, clean: true, error: null})
    const after = fs.statSync(index)
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs])

    // And a probe while the operator's git holds the lock still reads the checkout.
    fs.writeFileSync(`${index}.lock`, '')
    const locked = await runScript(host, 'probe', PROBE_SETTINGS)
    expect(locked.result.repo).toMatchObject({present: true, commit: host.commitOf('main'), error: null})
    fs.rmSync(`${index}.lock`)
  })
})
