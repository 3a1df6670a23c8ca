// The fake docker, run by bash exactly as the remote scripts will run it on a sandbox host.
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createSandboxHost} from '../../tools/stand-in/sandbox-host.js'
import {pidAlive, run, tempDir} from './helpers.ts'

/** @type {ReturnType<typeof tempDir>} */
let temp
/** @type {import('../../tools/stand-in/sandbox-host.js').SandboxHost} */
let host

/** Run a snippet on the host, in the app dir. @param {string} script */
const onHost = (script) => run(script, {env: host.env, cwd: host.appDir})

/** GET a URL; resolves to {status, body}. @param {string} url */
async function get(url) {
  const response = await fetch(url)
  return {status: response.status, body: await response.text()}
}

beforeAll(() => {
  temp = tempDir('rig-docker')
  host = createSandboxHost({dir: path.join(temp.dir, 'host')})
})
afterAll(() => {
  host?.cleanup()
  temp?.remove()
})

describe('fake docker: engine and compose basics', {timeout: 20_000}, () => {
  it('answers info, version and compose version like docker 27 / compose 2.29', async () => {
    const result = await onHost(`docker info --format '{{.ServerVersion}}'; docker version --format '{{.Server.Version}}'; docker compose version --short`)
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('27.3.1\n27.3.1\n2.29.7\n')
  })

  it('lists services and images from the compose file', async () => {
    const result = await onHost('docker compose -f docker-compose.yml config --services && docker compose config --images && docker compose config -q')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('api\nworker\nupscapp-be-api\nupscapp-be-worker\n')
  })

  it('fails compose config -q on a broken file as compose does: syntax, unknown keys, undefined dependencies', async () => {
    const broken = {
      'syntax.yml': '{"services": {"api": {"build": "./app",}}}',
      'key.yml': JSON.stringify({services: {api: {biuld: './app'}}}),
      'top.yml': JSON.stringify({services: {api: {build: './app'}}, servics: {}}),
      'dep.yml': JSON.stringify({services: {api: {build: './app', depends_on: ['db']}}}),
    }
    const expected = {
      'syntax.yml': /^yaml: line 1: did not find expected node content/,
      'key.yml': /^validating \S+key\.yml: services\.api Additional property biuld is not allowed$/,
      'top.yml': /^validating \S+top\.yml: \(root\) Additional property servics is not allowed$/,
      'dep.yml': /^service "api" depends on undefined service "db": invalid compose project$/,
    }
    for (const [file, text] of Object.entries(broken)) {
      const result = await onHost(`printf '%s' '${text}' > "$TMPDIR/${file}"; docker compose -f "$TMPDIR/${file}" config --quiet`)
      expect(result.code, file).not.toBe(0)
      expect(result.stdout, file).toBe('')
      expect(result.stderr.trim(), file).toMatch(expected[/** @type {keyof typeof expected} */ (file)])
    }
  })

  it('honours -p and -f after compose, in any order', async () => {
    const result = await run(`docker compose -p other -f ${host.appDir}/docker-compose.yml config --images`, {env: host.env, cwd: host.root})
    expect(result.stdout).toBe('other-api\nother-worker\n')
  })

  it('fails loudly on anything it does not implement', async () => {
    const result = await onHost('docker system df')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('fake docker: unsupported: system df')
    const attached = await onHost('docker compose up')
    expect(attached.code).toBe(1)
    expect(attached.stderr).toContain('unsupported')
  })
})

describe('fake docker: build, up, health', {timeout: 30_000}, () => {
  it('builds one image per service and counts every build', async () => {
    const before = host.buildCount()
    const result = await onHost('./docker-build.sh')
    expect(result.code).toBe(0)
    expect(host.buildCount()).toBe(before + 2)
    const tags = host
      .images()
      .flatMap((image) => image.tags)
      .sort()
    expect(tags).toEqual(['upscapp-be-api:latest', 'upscapp-be-worker:latest'])
    const api = host.images().find((image) => image.tags.includes('upscapp-be-api:latest'))
    expect(api?.files.VERSION).toBe('main\n')
    expect(api?.id).toMatch(/^sha256:[0-9a-f]{64}$/)
  })

  it('starts real HTTP servers whose /health and /version come from the image', async () => {
    const result = await onHost('docker compose up -d --remove-orphans')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('Container upscapp-be-api-1  Started')

    const port = await onHost('docker compose port api 8000')
    expect(port.stdout).toMatch(/^127\.0\.0\.1:\d+\n$/)
    const address = port.stdout.trim()
    expect(await get(`http://${address}/health`)).toMatchObject({status: 200})
    expect((await get(`http://${address}/version`)).body).toBe('main\n')
    expect(Number(address.split(':')[1])).toBe(host.servicePort('api'))
    // The worker has no published port but still runs a process.
    expect(pidAlive(/** @type {number} */ (host.container('worker')?.pid))).toBe(true)
  })

  it('reports containers through ps templates, keeping literal tabs', async () => {
    const result = await onHost(`docker compose ps -a --format '{{.Service}}\t{{.State}}\t{{.Health}}\t{{.Publishers}}'`)
    expect(result.code).toBe(0)
    const lines = result.stdout.split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe(`api\trunning\thealthy\t127.0.0.1:${host.servicePort('api')}->8000/tcp`)
    expect(lines[1]).toBe('worker\trunning\t\t')

    const json = await onHost(`docker compose ps --format '{{json .}}' api`)
    const row = JSON.parse(json.stdout)
    expect(row).toMatchObject({Service: 'api', Name: 'upscapp-be-api-1', State: 'running', Health: 'healthy', Image: 'upscapp-be-api'})
    expect(row.Publishers).toEqual([{URL: '127.0.0.1', TargetPort: 8000, PublishedPort: host.servicePort('api'), Protocol: 'tcp'}])
    expect(row.ID).toMatch(/^[0-9a-f]{12}$/)
    expect(row.Status).toMatch(/^Up .* \(healthy\)$/)
  })

  it('keeps a running container when nothing changed', async () => {
    const id = host.container('api')?.id
    const result = await onHost('docker compose up -d --no-build')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('Container upscapp-be-api-1  Running')
    expect(host.container('api')?.id).toBe(id)
  })

  it('logs each request the service answered, with --tail', async () => {
    await get(`http://127.0.0.1:${host.servicePort('api')}/health`)
    const result = await onHost('docker compose logs --no-color --tail 1 api')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^api-1 {2}\| .*"GET \/health HTTP\/1\.1" 200\n$/)
  })

  it('recreates on a new image, keeping the published port, and serves the new code', async () => {
    const port = host.servicePort('api')
    const oldPid = host.container('api')?.pid
    const result = await onHost('git fetch -q origin feature-x && git checkout -q FETCH_HEAD && docker compose build && docker compose up -d')
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('Container upscapp-be-api-1  Recreated')
    expect(host.servicePort('api')).toBe(port)
    expect(pidAlive(/** @type {number} */ (oldPid))).toBe(false)
    expect((await get(`http://127.0.0.1:${port}/version`)).body).toBe('feature-x\n')
  })

  it('reports a bad commit as starting, then unhealthy, with /health answering 500', async () => {
    // A start period no busy machine outlasts, so "starting" is what is seen first; then the
    // fake engine's clock passes it (no sleeping, no racing it).
    const compose = JSON.parse((await host.run('git show origin/main:docker-compose.yml')).stdout)
    compose.services.api.healthcheck.start_period = '10m'
    host.pushBranch('bad-health-slow', {'docker-compose.yml': JSON.stringify(compose), 'app/health': '500\n'})
    const result = await onHost('git fetch -q origin bad-health-slow && git checkout -q FETCH_HEAD && docker compose up -d --build api')
    expect(result.code).toBe(0)
    const port = host.servicePort('api')
    expect((await get(`http://127.0.0.1:${port}/health`)).status).toBe(500)
    const early = await onHost(`docker compose ps --format '{{.Health}}' api`)
    expect(early.stdout).toBe('starting\n')
    await host.passTime(10 * 60_000)
    const late = await onHost(`docker compose ps --format '{{.Health}}' api`)
    expect(late.stdout).toBe('unhealthy\n')
    const wait = await onHost('docker compose up -d --wait --wait-timeout 5 api')
    expect(wait.code).toBe(1)
    expect(wait.stderr).toContain('is unhealthy')
  })

  it('fails a build with a realistic BuildKit error and leaves the images alone', async () => {
    const imagesBefore = host
      .images()
      .map((image) => image.id)
      .sort()
    const result = await onHost('git fetch -q origin build-fails && git checkout -q FETCH_HEAD && docker compose build')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/failed to solve: process "\/bin\/sh -c .*" did not complete successfully: exit code: 1/)
    expect(
      host
        .images()
        .map((image) => image.id)
        .sort(),
    ).toEqual(imagesBefore)
    expect(host.builds().at(-1)).toMatchObject({service: 'api', result: 'failed'})
  })

  it('sleeps during the build of slow-build', async () => {
    host.pushBranch('slow-short', {'app/BUILD_SLEEP': '1\n'})
    const started = Date.now()
    const result = await onHost('git fetch -q origin slow-short && git checkout -q FETCH_HEAD && docker compose build api')
    expect(result.code).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
  })
})

describe('fake docker: images', {timeout: 20_000}, () => {
  it('lists images with a reference glob and the docker CreatedAt format', async () => {
    const result = await onHost(`docker image ls --filter 'reference=upscapp-be-*' --format '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedAt}}\t{{.Size}}'`)
    expect(result.code).toBe(0)
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t'))
    expect(rows.length).toBeGreaterThanOrEqual(2)
    for (const [repository, tag, id, createdAt, size] of rows) {
      expect(repository).toMatch(/^upscapp-be-(api|worker)$/)
      expect(tag).toBe('latest')
      expect(id).toMatch(/^[0-9a-f]{12}$/)
      expect(createdAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/)
      expect(size).toMatch(/^\d+(\.\d+)?MB$/)
    }
    const none = await onHost(`docker images --filter 'reference=nothing-*' --format '{{.ID}}'`)
    expect(none.stdout).toBe('')
  })

  it('tags, inspects and removes images', async () => {
    const tag = await onHost('docker image tag upscapp-be-api:latest upscapp-be-api:upsc-abc123')
    expect(tag.code).toBe(0)
    const listed = await onHost(`docker images --filter 'reference=upscapp-be-api:upsc-*' --format '{{.Tag}}'`)
    expect(listed.stdout).toBe('upsc-abc123\n')

    const inspect = await onHost('docker image inspect upscapp-be-api:upsc-abc123')
    expect(inspect.code).toBe(0)
    expect(JSON.parse(inspect.stdout)[0].RepoTags).toContain('upscapp-be-api:upsc-abc123')

    const removed = await onHost('docker image rm upscapp-be-api:upsc-abc123')
    expect(removed.stdout).toBe('Untagged: upscapp-be-api:upsc-abc123\n')
    const missing = await onHost('docker image inspect upscapp-be-api:upsc-abc123')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('Error: No such image: upscapp-be-api:upsc-abc123\n')
    const rmi = await onHost('docker rmi nope:1')
    expect(rmi.code).toBe(1)
    expect(rmi.stderr).toContain('No such image: nope:1')
  })

  it('refuses to delete the image of a running container without -f', async () => {
    const result = await onHost('docker image rm upscapp-be-worker:latest')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('must force')
  })

  it('fails up --no-build when the image is missing', async () => {
    const result = await run(`docker compose -p ghost -f ${host.appDir}/docker-compose.yml up -d --no-build`, {env: host.env, cwd: host.root})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Error response from daemon: No such image: ghost-api:latest')
  })
})

describe('fake docker: containers over time', {timeout: 20_000}, () => {
  it('reports RestartCount through inspect, as bumped by the rig', async () => {
    await host.bumpRestartCount('api', 3)
    const ids = await onHost('docker compose ps -q')
    const result = await onHost(`docker inspect --format '{{.RestartCount}}' ${ids.stdout.trim().split('\n').join(' ')}`)
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('3\n0\n')
  })

  it('shows a crashed container as exited, only with -a', async () => {
    await host.killService('worker')
    const all = await onHost(`docker compose ps -a --format '{{.Service}} {{.State}} {{.Status}}'`)
    expect(all.stdout).toMatch(/^api running Up .*\nworker exited Exited \(137\) .* ago\n$/)
    const running = await onHost(`docker compose ps --format '{{.Service}}'`)
    expect(running.stdout).toBe('api\n')
  })

  it('stops every process on down', async () => {
    const pids = host
      .containers()
      .map((c) => c.pid)
      .filter(Boolean)
    expect(pids.length).toBeGreaterThan(0)
    const result = await onHost('docker compose down')
    expect(result.code).toBe(0)
    for (const pid of pids) expect(pidAlive(/** @type {number} */ (pid))).toBe(false)
    expect(host.containers()).toEqual([])
  })
})

describe('fake docker daemon and systemctl', {timeout: 20_000}, () => {
  it('answers only after its readiness delay', async () => {
    const slow = createSandboxHost({dir: path.join(temp.dir, 'slow'), dockerReadyDelayMs: 10 * 60_000})
    try {
      const early = await run(`docker info --format '{{.ServerVersion}}'`, {env: slow.env})
      expect(early.code).toBe(1)
      expect(early.stderr).toBe('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n')
      const active = await run('systemctl is-active docker', {env: slow.env})
      expect(active.stdout).toBe('active\n')
      await slow.passTime(10 * 60_000)
      const late = await run(`docker info --format '{{.ServerVersion}}'`, {env: slow.env})
      expect(late.stdout).toBe('27.3.1\n')
    } finally {
      slow.cleanup()
    }
  })

  it('is started by systemctl start docker, with its delay counted from then', async () => {
    const stopped = createSandboxHost({dir: path.join(temp.dir, 'stopped'), dockerStopped: true, dockerReadyDelayMs: 10 * 60_000})
    try {
      const before = await run(`systemctl is-active docker; docker version --format '{{.Server.Version}}'`, {env: stopped.env})
      expect(before.stdout).toBe('inactive\n')
      expect(before.stderr).toContain('Cannot connect to the Docker daemon')
      await stopped.passTime(20 * 60_000) // a stopped daemon stays down, whatever the delay
      const still = await run('docker info', {env: stopped.env})
      expect(still.code).toBe(1)

      const start = await run('systemctl enable --now docker && systemctl is-active docker && docker info >/dev/null', {env: stopped.env})
      expect(start.stdout).toBe('active\n')
      expect(start.code).toBe(1) // not ready yet
      await stopped.passTime(10 * 60_000)
      const ready = await run(`docker info --format '{{.ServerVersion}}'`, {env: stopped.env})
      expect(ready.stdout).toBe('27.3.1\n')
      const shown = await run('systemctl show -p ActiveEnterTimestamp docker', {env: stopped.env})
      expect(shown.stdout).toMatch(/^ActiveEnterTimestamp=\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$/)
    } finally {
      stopped.cleanup()
    }
  })

  it('kills the containers when docker stops, as dockerd does', async () => {
    const other = createSandboxHost({dir: path.join(temp.dir, 'stop-daemon')})
    try {
      const up = await run('docker compose up -d', {env: other.env, cwd: other.appDir})
      expect(up.code).toBe(0)
      const pid = other.container('api')?.pid
      expect(pidAlive(/** @type {number} */ (pid))).toBe(true)
      const stop = await run('systemctl stop docker; systemctl is-active docker', {env: other.env})
      expect(stop.stdout).toBe('inactive\n')
      expect(stop.code).toBe(3)
      expect(pidAlive(/** @type {number} */ (pid))).toBe(false)
      await other.setDockerState({running: true})
      const ps = await run(`docker compose ps -a --format '{{.Service}} {{.State}}'`, {env: other.env, cwd: other.appDir})
      expect(ps.stdout).toBe('api exited\nworker exited\n')
    } finally {
      other.cleanup()
    }
  })

  it('knows only real units, and records enable/disable', async () => {
    const result = await run('systemctl start upsc-health.timer', {env: host.env})
    expect(result.code).toBe(5)
    expect(result.stderr).toBe('Failed to start upsc-health.timer: Unit upsc-health.timer not found.\n')
    const installed = await run(
      `printf '[Timer]\\nOnCalendar=*:0/5\\n' > "$UPSC_ROOT/etc/systemd/system/upsc-health.timer" && systemctl daemon-reload && systemctl enable --now upsc-health.timer && systemctl is-enabled upsc-health.timer && systemctl is-active upsc-health.timer`,
      {env: host.env},
    )
    expect(installed.code).toBe(0)
    expect(installed.stdout).toBe('enabled\nactive\n')
    expect(/** @type {Record<string, unknown>} */ (host.units())['upsc-health.timer']).toMatchObject({active: true, enabled: true})
  })
})
