import {describe, expect, it} from 'vitest'

import {parseConfig, selectStage} from '../../src/config/load.js'
import {renderStatus} from '../../src/render/status.js'
import {evaluateInstance, formatBytes, summarize} from '../../src/status/evaluate.js'
import {formatDuration} from '../../src/util/duration.js'
import type {InstanceFacts, ProbeDocument} from '../../src/status/types.js'

const stage = selectStage(parseConfig(JSON.stringify({stages: {stage2: {region: 'eu-central-1'}}}), 'f.json'))
const now = Date.parse('2026-11-28T18:00:00Z')

const healthyProbe: ProbeDocument = {
  schema: 1,
  host: {hostname: 'ip-10-0-0-1', uptimeSeconds: 7200, diskFreeBytes: 10 * 1024 ** 3, diskTotalBytes: 30 * 1024 ** 3, diskFreePercent: 33.3},
  docker: {running: true, serverVersion: '27.3.1', composeVersion: '2.29.7', error: null},
  repo: {present: true, branch: 'main', commit: '3a4f2c1d9e', clean: true, error: null},
  images: [
    {repository: 'upscapp-be-api', tag: 'latest', ageSeconds: 600},
    {repository: 'upscapp-be-api', tag: 'upsc-3a4f2c1', ageSeconds: 600},
  ],
  services: [
    {name: 'api', state: 'running', health: 'healthy', restarts: 0},
    {name: 'worker', state: 'running', health: '', restarts: 0},
  ],
  healthChecks: [{name: 'api', url: 'http://localhost:8000/health', expect: 200, status: 200, ok: true, latencyMs: 12, error: null}],
  units: [
    {name: 'upscpro-deploy.service', present: false},
    {name: 'upscpro-monitor.timer', present: true, enabled: 'enabled', active: 'active'},
  ],
  lastDeployment: {outcome: 'succeeded', branch: 'main', commit: '3a4f2c1d9e', finishedAt: '2026-11-28T17:50:00Z'},
  bootstrap: null,
}

const facts = (patch: Partial<InstanceFacts> = {}): InstanceFacts => ({
  instanceId: 'i-0123456789abcdef0',
  name: 'upscpro-stage2-docker',
  ec2State: 'running',
  systemStatus: 'ok',
  instanceStatus: 'ok',
  ssm: {pingStatus: 'Online', agentVersion: '3.3.1', isLatestVersion: true},
  logStreams: [{alias: 'deploy', stream: 'i-0123456789abcdef0/deploy', lastEventAt: '2026-11-28T17:59:00Z'}],
  probe: healthyProbe,
  ...patch,
})

describe('evaluateInstance', () => {
  it('gives one ok line per item of the checklist for a healthy host', () => {
    const status = evaluateInstance(facts(), stage, now)
    expect(status.verdict).toBe('ok')
    expect(status.checks.map((c) => [c.id, c.verdict, c.detail])).toEqual([
      ['ec2.state', 'ok', 'running'],
      ['ec2.status-checks', 'ok', 'system ok, instance ok'],
      ['ec2.uptime', 'ok', '2h00m'],
      ['ssm.agent', 'ok', 'online v3.3.1'],
      ['docker.daemon', 'ok', 'running v27.3.1'],
      ['docker.compose', 'ok', 'v2.29.7'],
      ['repo', 'ok', 'main @ 3a4f2c1, clean'],
      ['images', 'ok', '1 built, newest 10m ago, 1 version(s) kept for rollback'],
      ['service.api', 'ok', 'running, healthy'],
      ['service.worker', 'ok', 'running'],
      ['health.api', 'ok', 'HTTP 200 in 12 ms'],
      ['unit.upscpro-monitor.timer', 'ok', 'enabled, active'],
      ['deploy.last', 'ok', 'succeeded: main @ 3a4f2c1 at 2026-11-28T17:50:00Z'],
      ['host.disk', 'ok', '10 GiB free, 33.3%'],
      ['logs.deploy', 'ok', 'newest event 1m ago'],
    ])
  })

  it('fails the service and the health check that fail, naming what was expected', () => {
    const probe: ProbeDocument = {
      ...healthyProbe,
      services: [{name: 'api', state: 'running', health: 'unhealthy', restarts: 3}],
      healthChecks: [{name: 'api', url: 'http://localhost:8000/health', expect: 200, status: 500, ok: false, latencyMs: 4}],
    }
    const status = evaluateInstance(facts({probe}), stage, now)
    expect(status.verdict).toBe('fail')
    expect(status.checks.find((c) => c.id === 'service.api')).toMatchObject({verdict: 'fail', detail: 'running, unhealthy, 3 restart(s)'})
    expect(status.checks.find((c) => c.id === 'health.api')).toMatchObject({
      verdict: 'fail',
      detail: 'HTTP 500 in 4 ms, expected 200 (http://localhost:8000/health)',
    })
  })

  it('fails a stopped instance without host checks', () => {
    const status = evaluateInstance(facts({ec2State: 'stopped', probe: undefined, ssm: {pingStatus: 'ConnectionLost'}}), stage, now)
    expect(status.checks.map((c) => `${c.id}:${c.verdict}`)).toEqual(['ec2.state:fail', 'ssm.agent:fail', 'logs.deploy:ok'])
  })

  it('fails an instance that SSM does not manage', () => {
    const status = evaluateInstance(facts({ssm: undefined, probe: undefined}), stage, now)
    expect(status.checks.find((c) => c.id === 'ssm.agent')).toMatchObject({verdict: 'fail', detail: expect.stringContaining('not managed')})
  })

  it('fails, naming both commits, when the checkout is not what runs (current.json)', () => {
    const probe: ProbeDocument = {
      ...healthyProbe,
      repo: {present: true, branch: null, commit: '1111111111111111aaaa', running: '2222222222222222bbbb', clean: true},
    }
    const status = evaluateInstance(facts({probe}), stage, now)
    expect(status.verdict).toBe('fail')
    expect(status.checks.find((c) => c.id === 'repo')).toMatchObject({
      verdict: 'fail',
      detail: 'checkout @ 111111111111 is not what runs (222222222222, per current.json): deploy or roll back to settle it',
    })
    const same = evaluateInstance(facts({probe: {...probe, repo: {...probe.repo!, running: probe.repo!.commit}}}), stage, now)
    expect(same.checks.find((c) => c.id === 'repo')?.verdict).toBe('ok')
  })

  it('warns on stale or missing logs, a dirty checkout and low disk', () => {
    const probe: ProbeDocument = {
      ...healthyProbe,
      repo: {present: true, branch: 'main', commit: 'abcdef1', clean: false},
      host: {...healthyProbe.host, diskFreePercent: 5},
    }
    const status = evaluateInstance(
      facts({
        probe,
        logStreams: [
          {alias: 'deploy', stream: 's'},
          {alias: 'user-data', stream: 'u', lastEventAt: '2026-11-25T00:00:00Z'},
        ],
      }),
      stage,
      now,
    )
    expect(status.verdict).toBe('warn')
    expect(status.checks.filter((c) => c.verdict === 'warn').map((c) => c.id)).toEqual(['repo', 'host.disk', 'logs.deploy', 'logs.user-data'])
  })

  it('warns about untracked files a build may pick up, naming the first ones', () => {
    const probe: ProbeDocument = {
      ...healthyProbe,
      repo: {present: true, branch: 'main', commit: 'abcdef1', clean: true, untracked: ['.env', 'notes.txt'], untrackedCount: 7},
    }
    const status = evaluateInstance(facts({probe}), stage, now)
    expect(status.checks.find((c) => c.id === 'repo.untracked')).toMatchObject({
      verdict: 'warn',
      detail: '7 not in .gitignore, may change the build: .env, notes.txt, ...',
    })
    const none = evaluateInstance(facts({probe: {...probe, repo: {...probe.repo!, untracked: [], untrackedCount: 0}}}), stage, now)
    expect(none.checks.find((c) => c.id === 'repo.untracked')).toBeUndefined()
  })

  it("shows the monitor's last check, restarts per service in 24 h and the last recovery", () => {
    const monitor = {
      checkedAt: '2026-11-28T17:58:00Z',
      outcome: 'healthy',
      detail: null,
      restarts24h: {worker: 2, api: 1},
      lastRecoveryAt: '2026-11-28T15:00:00Z',
      openIncidents: [],
    }
    const status = evaluateInstance(facts({probe: {...healthyProbe, monitor}}), stage, now)
    expect(status.checks.filter((c) => c.id.startsWith('monitor.')).map((c) => [c.id, c.label, c.verdict, c.detail])).toEqual([
      ['monitor.last', 'Monitor', 'ok', 'last check 2m ago: healthy'],
      ['monitor.restarts', 'Restarts (24 h)', 'ok', 'api 1, worker 2'],
      ['monitor.recovery', 'Last recovery', 'ok', '2026-11-28T15:00:00Z (3h00m ago)'],
    ])
    expect(status.verdict).toBe('ok')
  })

  it('warns on a restart loop, and on a monitor that has not run within twice its period', () => {
    const monitor = {
      checkedAt: '2026-11-28T17:53:59Z',
      outcome: 'recovered',
      detail: 'restarted worker',
      restarts24h: {worker: 7},
      openIncidents: ['restart-worker', 'loop-worker'],
    }
    const status = evaluateInstance(facts({probe: {...healthyProbe, monitor}}), stage, now)
    expect(status.checks.filter((c) => c.id.startsWith('monitor.')).map((c) => [c.id, c.verdict, c.detail])).toEqual([
      ['monitor.last', 'warn', 'last check 6m ago (runs every 3m): see systemctl status upscpro-monitor.timer'],
      ['monitor.restarts', 'warn', 'worker 7; restart loop: worker'],
    ])
    expect(status.verdict).toBe('warn')
    const recent = evaluateInstance(facts({probe: {...healthyProbe, monitor: {...monitor, checkedAt: '2026-11-28T17:54:00Z'}}}), stage, now)
    expect(recent.checks.find((c) => c.id === 'monitor.last')).toMatchObject({verdict: 'ok', detail: 'last check 6m ago: recovered (restarted worker)'})
  })

  it('says nothing of a monitor on a host without monitor.json', () => {
    expect(evaluateInstance(facts(), stage, now).checks.some((c) => c.id.startsWith('monitor.'))).toBe(false)
  })

  it('fails with the reason when the probe could not run', () => {
    const status = evaluateInstance(facts({probe: undefined, probeError: 'the probe timed-out'}), stage, now)
    expect(status.checks.find((c) => c.id === 'host.probe')).toMatchObject({verdict: 'fail', detail: 'the probe timed-out'})
  })
})

describe('summarize and renderStatus', () => {
  it('names the failing instance and checks in the summary line', () => {
    const failing = evaluateInstance(facts({probe: {...healthyProbe, healthChecks: [{name: 'api', expect: 200, status: 502, ok: false}]}}), stage, now)
    const healthy = evaluateInstance(facts({instanceId: 'i-0fedcba9876543210', name: 'second'}), stage, now)
    const result = summarize('stage2', 'eu-central-1', [failing, healthy], now)
    expect(result.summary).toEqual({
      instances: 2,
      healthy: 1,
      warnings: 0,
      failing: 1,
      failed: [{instanceId: 'i-0123456789abcdef0', name: 'upscpro-stage2-docker', checks: ['health.api']}],
    })
    const text = renderStatus(result)
    expect(text).toContain('upscpro-stage2-docker (i-0123456789abcdef0)')
    expect(text).toContain('second (i-0fedcba9876543210)')
    expect(text.trim().split('\n').at(-1)).toContain('stage2: 1/2 instances healthy — failing: upscpro-stage2-docker: health.api')
  })
})

describe('formatting', () => {
  it('formats durations and sizes', () => {
    expect([formatDuration(5, 'age'), formatDuration(125, 'age'), formatDuration(3 * 3600 + 60, 'age'), formatDuration(2 * 86_400 + 3600, 'age')]).toEqual([
      '5s',
      '2m',
      '3h01m',
      '2d1h',
    ])
    expect([formatBytes(512), formatBytes(1536), formatBytes(50 * 1024 ** 3)]).toEqual(['512 B', '1.5 KiB', '50 GiB'])
  })
})
