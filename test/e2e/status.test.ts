import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {jsonDocument, runCli, sandboxStage, startAppOnHost, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe('upsc status against the stand-in', () => {
  let standIn: StandIn
  let cwd: string

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    startAppOnHost(standIn.hosts[0].host)
    cwd = writeConfig()
  })
  afterAll(async () => standIn?.stop())

  it('shows the checklist for a healthy stage and exits 0', async () => {
    const {code, stdout, stderr} = await runCli(['status'], {cwd, env: standIn.env})
    expect(stderr).toBe('')
    expect(code).toBe(0)
    for (const label of [
      'EC2 state',
      'EC2 status checks',
      'SSM agent',
      'Docker daemon',
      'Docker Compose',
      'Repository',
      'Images',
      'Service api',
      'Service worker',
      'Health api',
      'Free disk',
    ])
      expect(stdout).toContain(label)
    expect(stdout).toContain(`upscpro-stage2-docker (${standIn.hosts[0].instanceId})`)
    expect(stdout).toMatch(/stage2: 1\/1 instance healthy/)
  })

  it('prints valid JSON matching the documented schema with --json', async () => {
    const {code, stdout} = await runCli(['status', '--json'], {cwd, env: standIn.env})
    expect(code).toBe(0)
    const result = jsonDocument('status', stdout)
    expect(result).toMatchObject({schema: 1, stage: 'stage2', region: 'eu-central-1', summary: {instances: 1, healthy: 1, failing: 0, failed: []}})
    expect(typeof result.checkedAt).toBe('string')
    const [instance] = result.instances
    expect(instance).toMatchObject({instanceId: standIn.hosts[0].instanceId, name: 'upscpro-stage2-docker', verdict: expect.stringMatching(/^(ok|warn)$/)})
    for (const c of instance.checks) {
      expect(Object.keys(c).sort()).toEqual(['detail', 'id', 'label', 'verdict'])
      expect(['ok', 'warn', 'fail']).toContain(c.verdict)
    }
    expect(instance.checks.map((c: {id: string}) => c.id)).toEqual(
      expect.arrayContaining(['ec2.state', 'ssm.agent', 'docker.daemon', 'repo', 'service.api', 'health.api', 'host.disk']),
    )
    expect(instance.probe.schema).toBe(1)
    expect(instance.probe.repo.commit).toMatch(/^[0-9a-f]{40}$/)
  })

  it("shows the monitor's last run from monitor.json: restarts in 24 h, the last recovery, a warning on a restart loop", async () => {
    const {host} = standIn.hosts[0]
    const checkedAt = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
    const monitor = {
      schema: 1,
      checkedAt,
      outcome: 'recovered',
      detail: 'restarted worker',
      restarted: ['worker'],
      restarts: {worker: 4},
      totalRestarts: 4,
      lastRestartAt: checkedAt,
      healthChecks: [],
      restarts24h: {worker: 4},
      lastRecoveryAt: checkedAt,
      openIncidents: ['restart-worker', 'loop-worker'],
      instanceId: standIn.hosts[0].instanceId,
    }
    writeFileSync(join(host.upscHome, 'monitor.json'), `${JSON.stringify(monitor)}\n`)
    try {
      const {code, stdout} = await runCli(['status'], {cwd, env: standIn.env})
      expect(code).toBe(0)
      expect(stdout).toMatch(/✔ +Monitor +last check 1m ago: recovered \(restarted worker\)/)
      expect(stdout).toMatch(/! +Restarts \(24 h\) +worker 4; restart loop: worker/)
      expect(stdout).toMatch(new RegExp(`✔ +Last recovery +${checkedAt}`))
    } finally {
      rmSync(join(host.upscHome, 'monitor.json'))
    }
  })

  it('exits 1 and names the failing service when its health check fails', async () => {
    const failing = await standIn.addHost({name: 'upscpro-stage3-docker'})
    startAppOnHost(failing.host, 'bad-health')
    const dir = writeConfig({stage3: sandboxStage({instances: {tags: {Name: 'upscpro-stage3-docker'}}})})
    const {code, stdout} = await runCli(['status'], {cwd: dir, env: standIn.env})
    expect(code).toBe(1)
    expect(stdout).toMatch(/✖ +Health api .*HTTP 500.*expected 200/)
    expect(stdout).toMatch(/failing: upscpro-stage3-docker: .*health\.api/)
  })

  it('exits 1 naming both commits when the checkout is not what runs (current.json)', async () => {
    const moved = await standIn.addHost({name: 'upscpro-stage4-docker'})
    const host = moved.host
    startAppOnHost(host)
    const running = host.commitOf('main')
    mkdirSync(host.upscHome, {recursive: true})
    writeFileSync(join(host.upscHome, 'current.json'), `${JSON.stringify({commit: running, branch: 'main', id: 'd-1', since: '2026-12-01T00:00:00Z'})}\n`)
    expect((await host.run('git fetch -q origin && git checkout -q --detach origin/feature-x')).code).toBe(0)
    const dir = writeConfig({stage4: sandboxStage({instances: {tags: {Name: 'upscpro-stage4-docker'}}})})
    const {code, stdout} = await runCli(['status'], {cwd: dir, env: standIn.env})
    expect(code).toBe(1)
    expect(stdout).toContain(`checkout @ ${host.commitOf('feature-x').slice(0, 12)} is not what runs (${running.slice(0, 12)}, per current.json)`)
  })

  it('fails a stopped instance with exit 4 (nothing reachable)', async () => {
    const stopped = await standIn.addHost({name: 'upscpro-stopped-docker', state: 'stopped'})
    const dir = writeConfig({s: sandboxStage({instances: {tags: {Name: 'upscpro-stopped-docker'}}})})
    const {code, stdout} = await runCli(['status'], {cwd: dir, env: standIn.env})
    expect(code).toBe(4)
    expect(stdout).toMatch(/✖ +EC2 state +stopped/)
    expect(stdout).toContain(stopped.instanceId)
  })

  it('fails an instance that SSM does not manage, with exit 4', async () => {
    await standIn.addHost({name: 'upscpro-unmanaged-docker', managed: false})
    const dir = writeConfig({s: sandboxStage({instances: {tags: {Name: 'upscpro-unmanaged-docker'}}})})
    const {code, stdout} = await runCli(['status'], {cwd: dir, env: standIn.env})
    expect(code).toBe(4)
    expect(stdout).toMatch(/✖ +SSM agent +not managed by Systems Manager/)
  })

  it('gives exit 2 and the known stages for an unknown stage', async () => {
    const {code, stderr} = await runCli(['status', '--stage', 'prod'], {cwd, env: standIn.env})
    expect(code).toBe(2)
    expect(stderr).toContain('Unknown stage "prod"')
    expect(stderr).toContain('Known stages: stage2')
  })

  it('gives exit 2 with the key path for a bad config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upsc-e2e-'))
    writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({stages: {stage2: {region: 'eu-central-1', timeouts: {healthSeconds: 'soon'}}}}))
    const {code, stderr} = await runCli(['status'], {cwd: dir, env: standIn.env})
    expect(code).toBe(2)
    expect(stderr).toContain('stages.stage2.timeouts.healthSeconds: expected an integer from 1 to 3600')
  })

  it('gives exit 3 and what to run when there are no credentials', async () => {
    const {AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...env} = standIn.env
    const {code, stderr} = await runCli(['status'], {cwd, env})
    expect(code).toBe(3)
    expect(stderr).toContain('No AWS credentials were found.')
    expect(stderr).toMatch(/aws configure|aws sso login/)
  })

  it('suggests the right command for a typo', async () => {
    const {code, stderr} = await runCli(['statsu'], {cwd, env: standIn.env})
    expect(code).toBe(2)
    expect(stderr).toContain('Did you mean `upsc status`?')
  })
})
