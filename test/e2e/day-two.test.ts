import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {jsonDocument, RUN, runCli, sandboxStage, startAppOnHost, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

// Each test runs several deploys through the CLI: slow on a loaded machine.
describe('day-two operations through the CLI', {timeout: 300_000}, () => {
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
  // Tests that need a running app start it as a host deployed before would have it.
  const startAppOnHostIfNeeded = async () => {
    if (host.container('api')?.state !== 'running') startAppOnHost(host)
  }

  it('lock acquire holds deploys: a second deploy refuses with the holder and the message (exit 6); release frees it', async () => {
    const acquired = await cli(['lock', 'acquire', '-m', 'incident 42: db failover', '--ttl', '2h', '--json'])
    expect(acquired.code, acquired.stderr).toBe(0)
    const hold = jsonDocument('lock', acquired.stdout).hosts[0]!.hold
    expect(hold).toMatchObject({message: 'incident 42: db failover', caller: expect.stringMatching(/^arn:aws:/)})
    expect(Date.parse(hold.expiresAt) - Date.now()).toBeGreaterThan(7_000_000)

    const status = await cli(['lock', 'status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('on hold')
    expect(status.stdout).toContain('"incident 42: db failover"')

    const deploy = await cli(['deploy', '--branch', 'main'])
    expect(deploy.code).toBe(6)
    expect(deploy.stdout + deploy.stderr).toContain('deploys are held by')
    expect(deploy.stdout + deploy.stderr).toContain('incident 42: db failover')
    expect(host.buildCount()).toBe(0)
    const json = await cli(['deploy', '--branch', 'main', '--json'])
    expect(json.code).toBe(6)
    expect(JSON.parse(json.stdout).hosts[0].result.lock.message).toBe('incident 42: db failover')

    const again = await cli(['lock', 'acquire', '-m', 'second'])
    expect(again.code).toBe(6)

    const released = await cli(['lock', 'release', '--json'])
    expect(released.code).toBe(0)
    expect(jsonDocument('lock', released.stdout).hosts[0]).toMatchObject({released: true, hold: null})
    const deployed = await cli(['deploy', '--branch', 'main'])
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0)
  })

  it('a failing pre-deploy hook stops the deploy before up: the running version is untouched (exit 1)', async () => {
    const served = async () => (await (await fetch(`http://127.0.0.1:${host.servicePort('api')}/version`)).text()).trim()
    const hooked = writeConfig({
      stage2: sandboxStage({hooks: {preDeploy: [{command: ['bash', '-c', 'echo "migration failed for $UPSC_COMMIT"; exit 3'], timeoutSeconds: 60}]}}),
    })
    const base = await cli(['deploy', '--branch', 'main'])
    expect(base.code, base.stdout + base.stderr).toBe(0)
    const apiId = host.container('api').id
    const run = await runCli(['deploy', '--branch', 'feature-x'], {cwd: hooked, env: standIn.env})
    expect(run.code).toBe(1)
    expect(run.stdout + run.stderr).toContain(`migration failed for ${host.commitOf('feature-x')}`)
    expect(run.stdout + run.stderr).toContain('pre-deploy hook 1 (bash) failed: exit 3')
    expect(host.container('api').id).toBe(apiId)
    expect(await served()).toBe('main')
    const skipped = await runCli(['deploy', '--branch', 'feature-x', '--skip-hooks', '--json'], {cwd: hooked, env: standIn.env})
    expect(skipped.code, skipped.stderr).toBe(0)
    expect(await served()).toBe('feature-x')
    const history = JSON.parse((await cli(['history', '--json'])).stdout)
    expect(JSON.stringify(history)).toContain('"hooksSkipped":true')
  })

  it('app ps lists the services; app stop/start/restart act through the lock, gate on health and are in the history', async () => {
    await startAppOnHostIfNeeded()
    const ps = await cli(['app', 'ps', '--json'])
    expect(ps.code, ps.stderr).toBe(0)
    expect(jsonDocument('app-ps', ps.stdout).hosts[0]!.services.map((s: {name: string; state: string}) => `${s.name} ${s.state}`)).toEqual([
      'api running',
      'worker running',
    ])

    const stop = await cli(['app', 'stop', '--service', 'worker', '--json'])
    expect(stop.code, stop.stderr).toBe(0)
    expect(jsonDocument('app', stop.stdout)).toMatchObject({action: 'stop', services: ['worker'], exitCode: 0, hosts: [{outcome: 'succeeded'}]})
    expect(host.container('worker').state).toBe('exited')
    const table = await cli(['app', 'ps'])
    expect(table.stdout).toMatch(/worker +exited/)

    const start = await cli(['app', 'start', '--service', 'worker'])
    expect(start.code, start.stdout + start.stderr).toBe(0)
    expect(start.stdout).toContain('health')
    const restart = await cli(['app', 'restart', '--json'])
    expect(restart.code).toBe(0)
    expect(JSON.parse(restart.stdout).hosts[0].result.healthChecks[0]).toMatchObject({name: 'api', ok: true})
    const history = JSON.parse((await cli(['history', '--json'])).stdout)
    expect(JSON.stringify(history)).toMatch(/"kind":"app".*"action":"restart"/)

    const bad = await cli(['app', 'stop', '--service', 'x;y'])
    expect(bad.code).toBe(2)
  })

  it('prune --dry-run counts, prune removes and reports what it freed', async () => {
    await startAppOnHostIfNeeded()
    await host.run('docker compose stop worker')
    const dry = await cli(['prune', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(jsonDocument('prune', dry.stdout)).toMatchObject({dryRun: true, hosts: [{stoppedContainers: 1, reclaimedBytes: null, error: null, exitCode: 0}]})
    expect(host.container('worker').state).toBe('exited')
    const run = await cli(['prune'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Stopped containers\s+Dangling images\s+Old image tags\s+Build cache\s+Reclaimed\s+Free disk/)
    expect(host.container('worker')).toBeUndefined()
    await cli(['app', 'restart'])
  })

  it('env set/show/unset keep the .env in a SecureString, masked; env push writes it through the deploy path, and a bad value rolls back', async () => {
    const envCwd = writeConfig({stage2: sandboxStage({envParameter: '/upscpro/stage2/env'})})
    const env = (args: string[]) => runCli(['env', ...args], {cwd: envCwd, env: standIn.env})
    const served = async () => (await (await fetch(`http://127.0.0.1:${host.servicePort('api')}/version`)).text()).trim()
    const SECRET = 's3cr3t-value-42'
    await startAppOnHostIfNeeded()
    expect((await cli(['deploy', '--branch', 'main'])).code).toBe(0)

    const noTty = await env(['set', 'API_KEY=x'])
    expect(noTty.code).toBe(2)
    expect(noTty.stderr).toContain('--yes')
    const set = await env(['set', 'DATABASE_URL=postgres://db/app', `API_KEY=${SECRET}`, '--yes'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain('+ API_KEY=********')
    expect(set.stdout + set.stderr).not.toContain(SECRET)
    const shown = await env(['show'])
    expect(shown.stdout).toContain('API_KEY=********')
    expect(shown.stdout).not.toContain(SECRET)
    const revealed = jsonDocument('env-show', (await env(['show', '--reveal', '--json'])).stdout)
    expect(revealed.variables).toEqual([
      {key: 'DATABASE_URL', value: 'postgres://db/app'},
      {key: 'API_KEY', value: SECRET},
    ])

    const apiId = host.container('api').id
    const builds = host.buildCount()
    const push = await env(['push'])
    expect(push.code, push.stdout + push.stderr).toBe(0)
    expect(readFileSync(join(host.appDir, '.env'), 'utf8')).toBe(`DATABASE_URL=postgres://db/app\nAPI_KEY=${SECRET}\n`)
    expect(host.container('api').id).not.toBe(apiId) // recreated with the new environment
    expect(host.buildCount()).toBe(builds)
    expect(push.stdout + push.stderr).not.toContain(SECRET)

    const wrong = await env(['set', 'DATABASE_URL=mysql://wrong', '--yes', '--json'])
    expect(wrong.code, wrong.stderr).toBe(0)
    expect(jsonDocument('env-edit', wrong.stdout)).toMatchObject({applied: true, changes: [{key: 'DATABASE_URL', change: 'changed'}]})
    expect(wrong.stdout).not.toContain('mysql://wrong')
    const bad = await env(['push', '--json'])
    expect(bad.code).toBe(5)
    expect(jsonDocument('deploy', bad.stdout).hosts[0]!.result).toMatchObject({outcome: 'rolled-back', failedStep: 'health'})
    expect(readFileSync(join(host.appDir, '.env'), 'utf8')).toContain('DATABASE_URL=postgres://db/app')
    expect(await served()).toBe('main')
    const health = await fetch(`http://127.0.0.1:${host.servicePort('api')}/health`)
    expect(health.status).toBe(200)

    expect((await env(['unset', 'API_KEY', '--yes'])).code).toBe(0)
    expect(JSON.parse((await env(['show', '--json'])).stdout).variables.map((v: {key: string}) => v.key)).toEqual(['DATABASE_URL'])

    // The secret never travelled in a Run Command, nor reached the history.
    // Every script the agent wrote (<root>/var/lib/amazon/ssm/<instance>/document/orchestration/<command>/...).
    const scripts = execFileSync('bash', ['-c', 'shopt -s globstar; cat "$1"/var/lib/amazon/ssm/**/_script.sh', '_', host.root], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    expect(scripts).toContain('upsc_script')
    expect(scripts).not.toContain(SECRET)
    expect(readFileSync(join(host.upscHome, 'deployments.jsonl'), 'utf8')).not.toContain(SECRET)
  })

  it('lock acquire refuses a bad --ttl or an empty message before any AWS call (exit 2)', async () => {
    for (const args of [
      ['-m', 'x', '--ttl', 'soon'],
      ['-m', '  '],
      ['-m', 'x', '--ttl', '40d'],
    ]) {
      const {code, stderr} = await cli(['lock', 'acquire', ...args])
      expect(code, stderr).toBe(2)
    }
  })

  describe('validate and the pre-commit hook (local, no AWS)', () => {
    // The local docker is the rig's fake: compose config validates the file as compose does.
    const local = () => ({PATH: host.env.PATH, FAKE_DOCKER_STATE: host.env.FAKE_DOCKER_STATE})
    const app = (compose: unknown) => {
      const dir = mkdtempSync(join(tmpdir(), 'upsc-app-'))
      mkdirSync(join(dir, 'app'))
      writeFileSync(join(dir, 'docker-compose.yml'), typeof compose === 'string' ? compose : JSON.stringify(compose))
      return dir
    }
    const good = {services: {api: {build: './app', ports: ['8000:8000']}, worker: {build: './app'}}}

    it("passes a valid compose file and fails a broken one with compose's message (exit 1)", async () => {
      const ok = await runCli(['validate', '--dir', host.appDir, '--json'], {cwd, env: local()})
      expect(ok.code, ok.stderr).toBe(0)
      expect(jsonDocument('validate', ok.stdout)).toMatchObject({ok: true, services: ['api', 'worker'], problems: []})

      const broken = await runCli(['validate', '--dir', app({services: {api: {biuld: './app'}}})], {cwd, env: local()})
      expect(broken.code).toBe(1)
      expect(broken.stdout).toContain('services.api Additional property biuld is not allowed')
    })

    it('catches a health check naming a service compose does not define', async () => {
      const dir = writeConfig({stage2: sandboxStage({healthChecks: [{name: 'web', service: 'web', port: 80, path: '/health'}]})})
      const result = await runCli(['validate', '--dir', app(good), '--json'], {cwd: dir, env: local()})
      expect(result.code).toBe(1)
      expect(JSON.parse(result.stdout).problems).toEqual([
        {
          kind: 'health-check',
          message: expect.stringMatching(/^health check "web" names service "web", which docker-compose\.yml does not define \(it defines: api, worker\)$/),
        },
      ])
    })

    it('bootstrap pre-commit writes a hook that stops a commit of a broken compose file', async () => {
      const repo = app(good)
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
          cwd: repo,
          env: {...process.env, ...local(), PATH: `${bin}:${local().PATH}`},
          stdio: 'pipe',
          encoding: 'utf8',
        })
      const bin = mkdtempSync(join(tmpdir(), 'upsc-bin-'))
      writeFileSync(join(bin, 'upsc'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(RUN)} "$@"\n`)
      chmodSync(join(bin, 'upsc'), 0o755)
      execFileSync('git', ['init', '-q'], {cwd: repo})
      const written = await runCli(['bootstrap', 'pre-commit', '--out', join(repo, '.git/hooks')], {cwd, env: local()})
      expect(written.code, written.stderr).toBe(0)
      const hook = join(repo, '.git/hooks/pre-commit')
      expect(statSync(hook).mode & 0o111).not.toBe(0)
      expect(readFileSync(hook, 'utf8')).toContain(`upsc validate --stage 'stage2' --config '${join(cwd, 'upsc.config.json')}'`)

      git('add', '-A')
      git('commit', '-q', '-m', 'good')
      writeFileSync(join(repo, 'docker-compose.yml'), JSON.stringify({services: {api: {build: './app', depends_on: ['db']}}}))
      git('add', '-A')
      let failure = ''
      try {
        git('commit', '-q', '-m', 'broken')
      } catch (error) {
        failure = String((error as {stdout?: string}).stdout) + String((error as {stderr?: string}).stderr)
      }
      expect(failure).toContain('service "api" depends on undefined service "db"')
      expect(git('log', '--format=%s').trim()).toBe('good')
    })
  })
})
