/**
 * Pure: the facts about an instance -> one check per line, each with a verdict and a detail.
 * Warnings never fail a status; any failing check makes the instance (and the exit code) fail.
 */
import {MONITOR_PERIOD_SECONDS} from '../bootstrap/systemd.js'
import type {StageConfig} from '../config/load.js'
import {formatDuration} from '../util/duration.js'
import type {BlueGreenProbe, Check, InstanceFacts, InstanceStatus, MonitorDocument, StatusResult, Verdict} from './types.js'

/** A log stream whose newest event is older than this is "not reaching CloudWatch". */
export const LOG_STALE_SECONDS = 24 * 3600

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) (value /= 1024), unit++
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

const check = (id: string, label: string, verdict: Verdict, detail: string): Check => ({id, label, verdict, detail})

function ec2Checks(f: InstanceFacts, now: number): Check[] {
  const checks = [check('ec2.state', 'EC2 state', f.ec2State === 'running' ? 'ok' : f.ec2State === 'pending' ? 'warn' : 'fail', f.ec2State)]
  if (f.ec2State === 'running') {
    const statuses = [f.systemStatus, f.instanceStatus]
    const verdict: Verdict = statuses.includes('impaired') ? 'fail' : statuses.every((s) => s === 'ok') ? 'ok' : 'warn'
    checks.push(check('ec2.status-checks', 'EC2 status checks', verdict, `system ${f.systemStatus ?? 'unknown'}, instance ${f.instanceStatus ?? 'unknown'}`))
    const uptime = f.probe?.host?.uptimeSeconds ?? (f.launchTime ? (now - Date.parse(f.launchTime)) / 1000 : undefined)
    if (uptime != null) checks.push(check('ec2.uptime', 'Uptime', 'ok', formatDuration(uptime, 'age')))
  }
  return checks
}

function ssmCheck(f: InstanceFacts): Check {
  if (!f.ssm) return check('ssm.agent', 'SSM agent', 'fail', 'not managed by Systems Manager (agent not registered, or no instance profile)')
  const version = f.ssm.agentVersion ? ` v${f.ssm.agentVersion}${f.ssm.isLatestVersion === false ? ' (update available)' : ''}` : ''
  if (f.ssm.pingStatus === 'Online') return check('ssm.agent', 'SSM agent', 'ok', `online${version}`)
  return check('ssm.agent', 'SSM agent', 'fail', `${f.ssm.pingStatus}${f.ssm.lastPing ? `, last ping ${f.ssm.lastPing}` : ''}${version}`)
}

function hostChecks(f: InstanceFacts, stage: StageConfig): Check[] {
  const p = f.probe
  if (!p) return f.probeError ? [check('host.probe', 'Host probe', 'fail', f.probeError)] : []
  const checks: Check[] = []
  const d = p.docker
  if (d) {
    checks.push(
      check(
        'docker.daemon',
        'Docker daemon',
        d.running ? 'ok' : 'fail',
        d.running ? `running v${d.serverVersion ?? '?'}` : `not running${d.error ? `: ${d.error}` : ''}`,
      ),
    )
    checks.push(check('docker.compose', 'Docker Compose', d.composeVersion ? 'ok' : 'fail', d.composeVersion ? `v${d.composeVersion}` : 'not installed'))
  }
  const r = p.repo
  if (r) {
    if (!r.present) checks.push(check('repo', 'Repository', 'fail', r.error ?? `no git checkout at ${stage.appDir}`))
    // The checkout is what the next `compose up` (the monitor, a reboot) would start.
    else if (r.running && r.commit && r.running !== r.commit)
      checks.push(
        check(
          'repo',
          'Repository',
          'fail',
          `checkout @ ${r.commit.slice(0, 12)} is not what runs (${r.running.slice(0, 12)}, per current.json): deploy or roll back to settle it`,
        ),
      )
    else
      checks.push(
        check(
          'repo',
          'Repository',
          r.clean === false ? 'warn' : 'ok',
          `${r.branch ? r.branch : 'detached'} @ ${(r.commit ?? '?').slice(0, 7)}${r.clean === false ? ', uncommitted changes' : ', clean'}`,
        ),
      )
    const untracked = r.untrackedCount ?? 0
    // Deploys keep them (they are the operator's), but a build may pick them up.
    if (r.present && untracked > 0)
      checks.push(
        check(
          'repo.untracked',
          'Untracked files',
          'warn',
          `${untracked} not in .gitignore, may change the build: ${(r.untracked ?? []).join(', ')}${untracked > (r.untracked?.length ?? 0) ? ', ...' : ''}`,
        ),
      )
  }
  if (p.images) {
    const current = p.images.filter((i) => i.tag === 'latest')
    if (current.length === 0) checks.push(check('images', 'Images', d?.running === false ? 'skip' : 'warn', 'no images built'))
    else {
      const newest = Math.min(...current.map((i) => i.ageSeconds ?? Number.POSITIVE_INFINITY))
      const kept = new Set(p.images.filter((i) => i.tag.startsWith('upsc-')).map((i) => i.tag)).size
      checks.push(
        check(
          'images',
          'Images',
          'ok',
          `${current.length} built, newest ${Number.isFinite(newest) ? formatDuration(newest, 'age') + ' ago' : 'age unknown'}${kept > 0 ? `, ${kept} version(s) kept for rollback` : ''}`,
        ),
      )
    }
  }
  for (const s of p.services ?? []) {
    const restarts = s.restarts ?? 0
    const healthText = s.health ? `, ${s.health}` : ''
    let verdict: Verdict = 'ok'
    if (s.state !== 'running' || s.health === 'unhealthy') verdict = 'fail'
    else if (s.health === 'starting' || restarts > 0) verdict = 'warn'
    checks.push(check(`service.${s.name}`, `Service ${s.name}`, verdict, `${s.state}${healthText}${restarts > 0 ? `, ${restarts} restart(s)` : ''}`))
  }
  if (d?.running && (p.services ?? []).length === 0) checks.push(check('services', 'Services', 'fail', 'no compose service is running'))
  for (const h of p.healthChecks ?? []) {
    const got = h.status ? `HTTP ${h.status}` : (h.error ?? 'no answer')
    const latency = h.latencyMs != null ? ` in ${h.latencyMs} ms` : ''
    checks.push(
      check(
        `health.${h.name}`,
        `Health ${h.name}`,
        h.ok ? 'ok' : 'fail',
        h.ok ? `${got}${latency}` : `${got}${latency}, expected ${h.expect}${h.url ? ` (${h.url})` : ''}`,
      ),
    )
  }
  for (const u of p.units ?? []) {
    if (!u.present) continue
    const good = u.enabled === 'enabled' && (u.active === 'active' || (u.name.endsWith('.service') && u.active === 'inactive'))
    checks.push(check(`unit.${u.name}`, `Unit ${u.name}`, good ? 'ok' : 'warn', `${u.enabled ?? 'unknown'}, ${u.active ?? 'unknown'}`))
  }
  const last = p.lastDeployment
  if (last) {
    const outcome = String(last.outcome ?? 'unknown')
    const when = typeof last.finishedAt === 'string' ? ` at ${last.finishedAt}` : ''
    const what = `${outcome}: ${String(last.branch ?? '?')} @ ${String(last.commit ?? '?').slice(0, 7)}${when}`
    checks.push(check('deploy.last', 'Last deployment', outcome === 'succeeded' ? 'ok' : 'warn', what))
  }
  const b = p.bootstrap
  if (b) {
    const ok = b.outcome === 'succeeded' || b.ok === true
    checks.push(
      check(
        'bootstrap',
        'Bootstrap',
        ok ? 'ok' : 'fail',
        `${String(b.outcome ?? (ok ? 'succeeded' : 'failed'))}${b.finishedAt ? ` at ${String(b.finishedAt)}` : ''}${!ok && b.reason ? `: ${String(b.reason)}` : ''}`,
      ),
    )
  }
  if (p.blueGreen) checks.push(...blueGreenChecks(p.blueGreen))
  const free = p.host?.diskFreePercent
  if (free != null) {
    const verdict: Verdict = free < 2 ? 'fail' : free < stage.minFreeDiskPercent ? 'warn' : 'ok'
    const bytes = p.host?.diskFreeBytes != null ? `${formatBytes(p.host.diskFreeBytes)} free, ` : ''
    checks.push(check('host.disk', 'Free disk', verdict, `${bytes}${free.toFixed(1)}%`))
  }
  return checks
}

/** Pure: the live colour, the idle one, and whether the proxy answers from the live colour. */
export function blueGreenChecks(bg: BlueGreenProbe): Check[] {
  const at = (commit: string | null) => (commit ? ` @ ${commit.slice(0, 7)}` : '')
  if (!bg.live) {
    const verdict: Verdict = bg.strategy === 'blueGreen' ? 'warn' : 'skip'
    return [check('bluegreen.live', 'Live colour', verdict, 'none yet: the next deploy starts the blue colour and the proxy')]
  }
  const idle = bg.idleState === 'running' ? `${bg.idle}${at(bg.idleCommit)} warm (rollback is a switch)` : `${bg.idle} stopped`
  const checks = [
    check(
      'bluegreen.live',
      'Live colour',
      bg.strategy === 'blueGreen' ? 'ok' : 'warn',
      `${bg.live}${at(bg.liveCommit)}; ${idle}${bg.strategy === 'blueGreen' ? '' : '; the stage is inPlace: its next deploy leaves blueGreen'}`,
    ),
  ]
  const wrong = bg.proxy.ports.filter((p) => p.status === null || p.status >= 500 || p.colour !== bg.live)
  const ports = bg.proxy.ports.map((p) => `:${p.port} ${p.service} -> ${p.colour ?? '?'} (${p.status === null ? 'no answer' : `HTTP ${p.status}`})`).join(', ')
  if (!bg.proxy.running) checks.push(check('bluegreen.proxy', 'Proxy', 'fail', 'nginx is not running: the public ports are closed (upsc deploy starts it)'))
  else checks.push(check('bluegreen.proxy', 'Proxy', wrong.length > 0 ? 'fail' : 'ok', `nginx ${ports}`))
  return checks
}

/** The monitor's last run: when, restarts per service in 24 h (a restart loop warns), last recovery. */
function monitorChecks(m: MonitorDocument, now: number): Check[] {
  const checks: Check[] = []
  const at = m.checkedAt ? Date.parse(m.checkedAt) : Number.NaN
  const age = (now - at) / 1000
  if (Number.isNaN(age)) checks.push(check('monitor.last', 'Monitor', 'warn', 'monitor.json has no checkedAt'))
  else if (age > 2 * MONITOR_PERIOD_SECONDS)
    checks.push(
      check(
        'monitor.last',
        'Monitor',
        'warn',
        `last check ${formatDuration(age, 'age')} ago (runs every ${formatDuration(MONITOR_PERIOD_SECONDS, 'age')}): see systemctl status upscpro-monitor.timer`,
      ),
    )
  else
    checks.push(
      check(
        'monitor.last',
        'Monitor',
        m.outcome === 'unhealthy' ? 'warn' : 'ok',
        `last check ${formatDuration(age, 'age')} ago: ${m.outcome ?? 'unknown'}${m.detail ? ` (${m.detail})` : ''}`,
      ),
    )
  const restarts = Object.entries(m.restarts24h ?? {}).sort(([a], [b]) => a.localeCompare(b))
  const loops = (m.openIncidents ?? []).filter((k) => k.startsWith('loop-')).map((k) => k.slice(5))
  const listed = restarts.length > 0 ? restarts.map(([name, n]) => `${name} ${n}`).join(', ') : 'none'
  checks.push(
    check('monitor.restarts', 'Restarts (24 h)', loops.length > 0 ? 'warn' : 'ok', loops.length > 0 ? `${listed}; restart loop: ${loops.join(', ')}` : listed),
  )
  if (m.lastRecoveryAt)
    checks.push(
      check('monitor.recovery', 'Last recovery', 'ok', `${m.lastRecoveryAt} (${formatDuration((now - Date.parse(m.lastRecoveryAt)) / 1000, 'age')} ago)`),
    )
  return checks
}

function logChecks(f: InstanceFacts, now: number): Check[] {
  return f.logStreams.map(({alias, stream, lastEventAt}) => {
    if (!lastEventAt) return check(`logs.${alias}`, `Logs ${alias}`, 'warn', `no stream ${stream}`)
    const age = (now - Date.parse(lastEventAt)) / 1000
    return check(`logs.${alias}`, `Logs ${alias}`, age > LOG_STALE_SECONDS ? 'warn' : 'ok', `newest event ${formatDuration(age, 'age')} ago`)
  })
}

export function evaluateInstance(f: InstanceFacts, stage: StageConfig, now: number): InstanceStatus {
  const monitor = f.probe?.monitor ? monitorChecks(f.probe.monitor, now) : []
  const checks = [...ec2Checks(f, now), ssmCheck(f), ...hostChecks(f, stage), ...monitor, ...logChecks(f, now)].filter((c) => c.verdict !== 'skip')
  const verdict = checks.some((c) => c.verdict === 'fail') ? 'fail' : checks.some((c) => c.verdict === 'warn') ? 'warn' : 'ok'
  return {instanceId: f.instanceId, ...(f.name ? {name: f.name} : {}), verdict, checks, ...(f.probe ? {probe: f.probe} : {})}
}

export function summarize(stage: string, region: string | undefined, instances: InstanceStatus[], now: number): StatusResult {
  const failing = instances.filter((i) => i.verdict === 'fail')
  return {
    schema: 1,
    stage,
    ...(region ? {region} : {}),
    checkedAt: new Date(now).toISOString(),
    summary: {
      instances: instances.length,
      healthy: instances.filter((i) => i.verdict !== 'fail').length,
      warnings: instances.reduce((n, i) => n + i.checks.filter((c) => c.verdict === 'warn').length, 0),
      failing: failing.length,
      failed: failing.map((i) => ({
        instanceId: i.instanceId,
        ...(i.name ? {name: i.name} : {}),
        checks: i.checks.filter((c) => c.verdict === 'fail').map((c) => c.id),
      })),
    },
    instances,
  }
}
