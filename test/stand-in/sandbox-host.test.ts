import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createSandboxHost, FAKE_BIN, ORIGIN_URL} from '../../tools/stand-in/sandbox-host.js'
import {waitFor} from '../../tools/stand-in/util.js'
import {killedOrGone, pidAlive, run, tempDir} from './helpers.ts'

/** @type {ReturnType<typeof tempDir>} */
let temp
/** @type {import('../../tools/stand-in/sandbox-host.js').SandboxHost} */
let host

/** Content of a file at an origin branch. @param {string} branch @param {string} file */
const show = (branch, file) => execFileSync('git', ['--git-dir', host.originDir, 'show', `${branch}:${file}`], {encoding: 'utf8'})

beforeAll(() => {
  temp = tempDir('rig-host')
  host = createSandboxHost({dir: path.join(temp.dir, 'stage2'), name: 'upscpro-stage2-docker', branches: {hotfix: {'app/VERSION': 'hotfix\n'}}})
})
afterAll(() => {
  host?.cleanup()
  temp?.remove()
})

describe('createSandboxHost', {timeout: 20_000}, () => {
  it('lays out the host like the real one, under its root', () => {
    expect(host.appDir).toBe(path.join(host.root, 'opt/upscpro/upscapp-be'))
    expect(host.upscHome).toBe(path.join(host.root, 'opt/upscpro/.upsc'))
    expect(fs.readdirSync(host.upscHome)).toEqual([])
    expect(fs.existsSync(path.join(host.originDir, 'HEAD'))).toBe(true)
    expect(fs.readFileSync(path.join(host.appDir, 'app/VERSION'), 'utf8')).toBe('main\n')
    expect(fs.statSync(path.join(host.appDir, 'docker-build.sh')).mode & 0o111).not.toBe(0)
    const compose = JSON.parse(fs.readFileSync(path.join(host.appDir, 'docker-compose.yml'), 'utf8'))
    expect(Object.keys(compose.services)).toEqual(['api', 'worker'])
    expect(compose.services.api).toMatchObject({build: './app', ports: ['8000:8000']})
    expect(compose.services.api.healthcheck).toBeDefined()
    expect(compose.services.worker.healthcheck).toBeUndefined()
  })

  it('gives scripts an environment rooted in the sandbox, fake-bin first', () => {
    expect(host.env.UPSC_ROOT).toBe(host.root)
    expect(host.env.PATH.split(':')[0]).toBe(FAKE_BIN)
    expect(host.env.HOME.startsWith(host.root)).toBe(true)
    expect(host.env.TMPDIR.startsWith(host.root)).toBe(true)
    for (const key of ['FAKE_DOCKER_STATE', 'FAKE_SYSTEMD_STATE', 'FAKE_ORIGIN_STATE']) {
      expect(host.env[/** @type {'FAKE_DOCKER_STATE'} */ (key)].startsWith(path.join(host.root, '.sandbox'))).toBe(true)
    }
  })

  it('resolves docker, systemctl and git to the fakes', async () => {
    const result = await run('command -v docker systemctl git', {env: host.env})
    expect(result.stdout).toBe(`${FAKE_BIN}/docker\n${FAKE_BIN}/systemctl\n${FAKE_BIN}/git\n`)
  })

  it('run() executes bash on the host, in the app dir, with its environment', async () => {
    const result = await host.run('pwd; echo "$UPSC_ROOT $EXTRA"; exit 4', {env: {EXTRA: 'x'}})
    expect(result).toEqual({code: 4, stdout: `${host.appDir}\n${host.root} x\n`, stderr: ''})
    const timedOut = await host.run('sleep 5', {timeoutMs: 200})
    expect(timedOut.code).toBeNull()
  })

  it('checks out main, tracking the GitHub URL', async () => {
    const result = await run('git rev-parse --abbrev-ref HEAD && git config remote.origin.url && git rev-parse HEAD', {env: host.env, cwd: host.appDir})
    expect(result.stdout).toBe(`main\n${ORIGIN_URL}\n${host.commitOf('main')}\n`)
  })

  it('has one distinct commit per test branch, with the promised content', () => {
    const branches = ['main', 'feature-x', 'bad-health', 'build-fails', 'slow-build', 'hotfix']
    const commits = branches.map((branch) => host.commitOf(branch))
    expect(new Set(commits).size).toBe(branches.length)
    expect(show('main', 'app/health')).toBe('200\n')
    expect(show('feature-x', 'app/VERSION')).toBe('feature-x\n')
    expect(show('bad-health', 'app/health')).toBe('500\n')
    expect(show('build-fails', 'app/BUILD_FAIL')).not.toBe('')
    expect(Number(show('slow-build', 'app/BUILD_SLEEP'))).toBeGreaterThan(0)
    expect(show('hotfix', 'app/VERSION')).toBe('hotfix\n')
  })

  it('pushes new commits to origin branches', async () => {
    const before = host.commitOf('feature-x')
    const commit = host.pushBranch('feature-x', {'app/VERSION': 'feature-x-2\n', 'app/NEW': 'x\n'})
    expect(commit).toMatch(/^[0-9a-f]{40}$/)
    expect(commit).not.toBe(before)
    expect(host.commitOf('feature-x')).toBe(commit)
    const created = host.pushBranch('brand-new', {'app/health': '503\n'})
    expect(host.commitOf('brand-new')).toBe(created)
    const fetched = await run('git fetch -q origin brand-new && git show FETCH_HEAD:app/health', {env: host.env, cwd: host.appDir})
    expect(fetched.stdout).toBe('503\n')
  })

  it('refuses a non-empty folder', () => {
    expect(() => createSandboxHost({dir: host.root})).toThrow(/not empty/)
  })

  it("cleanup() kills the host's containers and removes its folder", async () => {
    const other = createSandboxHost({dir: path.join(temp.dir, 'other')})
    const up = await run('docker compose up -d', {env: other.env, cwd: other.appDir})
    expect(up.code).toBe(0)
    const containers = other.containers()
    expect(containers.map((c) => c.service).sort()).toEqual(['api', 'worker'])
    const pids = containers.map((c) => /** @type {number} */ (c.pid))
    expect(pids.every(pidAlive)).toBe(true)
    other.cleanup()
    // Killed by cleanup() itself, not by their own watchdog (which stops them a second after
    // the folder is gone): right after it returns, each is dead or has SIGKILL pending.
    expect(pids.filter((pid) => !killedOrGone(pid))).toEqual([])
    await waitFor(() => !pids.some(pidAlive), {what: 'the containers to die'})
    expect(fs.existsSync(other.root)).toBe(false)
  })
})
