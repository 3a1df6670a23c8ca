// A sandbox host: a temp folder standing for one EC2 host, with the app checkout, UPSC_HOME,
// a bare "GitHub" origin with test branches, and the state of the fake docker/systemctl.
// Remote scripts run against it with UPSC_ROOT=<root> and fake-bin first on PATH.
import {execFileSync, spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {
  buildCount,
  containerAlive,
  containerState,
  killAllContainersSync,
  readDaemon,
  readState,
  startDaemon,
  stopDaemon,
  updateState,
  writeDaemon,
} from './fakes/docker-state.js'
import {ORIGIN_URL} from './fakes/git-origin.js'
import {cleanupOnExit, findProcesses, killGroup, readJson, withFileLock, writeJson} from './util.js'

export const FAKE_BIN = fileURLToPath(new URL('./fake-bin', import.meta.url))
export const APP_DIR = '/opt/upscpro/upscapp-be'
export const UPSC_HOME = '/opt/upscpro/.upsc'
export {ORIGIN_URL}

/** The app's compose file. JSON is valid YAML, so real compose accepts it too. */
const COMPOSE = {
  services: {
    api: {
      build: './app',
      ports: ['8000:8000'],
      // The app's settings (written from the envParameter); optional, as compose 2.24+ allows.
      env_file: [{path: '.env', required: false}],
      restart: 'unless-stopped',
      healthcheck: {
        test: ['CMD', 'curl', '-fsS', 'http://localhost:8000/health'],
        interval: '5s',
        timeout: '3s',
        retries: 3,
        start_period: '1s',
      },
    },
    worker: {build: './app', restart: 'unless-stopped'},
  },
}

/** @typedef {Record<string, string | null>} FileSet  repo-relative path -> content (null = delete) */

/** Content of main. @returns {FileSet} */
function baseFiles() {
  return {
    'docker-compose.yml': `${JSON.stringify(COMPOSE, null, 2)}\n`,
    'docker-build.sh': '#!/usr/bin/env bash\n# The configured build command of this app.\nset -euo pipefail\nexec docker compose build "$@"\n',
    'app/Dockerfile':
      'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN test ! -f BUILD_FAIL\nCMD ["python", "-m", "uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n',
    'app/health': '200\n',
    'app/VERSION': 'main\n',
    'README.md': '# upscapp-be (sandbox copy)\n',
  }
}

/** The default branches, each a change on top of main. @returns {Record<string, FileSet>} */
export function defaultBranches() {
  return {
    'feature-x': {'app/VERSION': 'feature-x\n'},
    'bad-health': {'app/VERSION': 'bad-health\n', 'app/health': '500\n'},
    'build-fails': {'app/VERSION': 'build-fails\n', 'app/BUILD_FAIL': 'the build of this branch fails\n'},
    'slow-build': {'app/VERSION': 'slow-build\n', 'app/BUILD_SLEEP': '4\n'},
  }
}

/**
 * Run the real git (never the wrapper) with a clean, deterministic environment.
 * @param {string[]} args
 * @param {{cwd?: string, home: string}} opts
 */
function git(args, {cwd, home}) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Sandbox Dev',
      GIT_AUTHOR_EMAIL: 'dev@upscpro.test',
      GIT_COMMITTER_NAME: 'Sandbox Dev',
      GIT_COMMITTER_EMAIL: 'dev@upscpro.test',
    },
  }).trim()
}

/**
 * Write a file set into a work tree.
 * @param {string} dir
 * @param {FileSet} files
 */
function writeFiles(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel)
    if (content === null) {
      fs.rmSync(file, {force: true})
      continue
    }
    fs.mkdirSync(path.dirname(file), {recursive: true})
    fs.writeFileSync(file, content)
    if (rel.endsWith('.sh')) fs.chmodSync(file, 0o755)
  }
}

/**
 * @typedef {object} SandboxHostOptions
 * @property {string} dir                    folder to create: the host's "/" (must not exist, or be empty)
 * @property {string} [name]                 host name (default: basename of dir)
 * @property {Record<string, FileSet>} [branches]  extra/overriding branches on top of main
 * @property {number} [dockerReadyDelayMs]   the docker daemon answers only this long after it started
 * @property {boolean} [dockerStopped]       the docker service starts stopped
 * @property {number} [failFetches]          the next N git network operations fail
 * @property {'network' | 'auth' | 'stall'} [fetchFailure]
 * @property {string} [requiredToken]        origin accepts only this GitHub token (see README)
 */

/**
 * Create a sandbox host.
 * @param {SandboxHostOptions} options
 */
export function createSandboxHost(options) {
  const root = path.resolve(options.dir)
  const name = options.name ?? path.basename(root)
  const paths = {
    root,
    appDir: path.join(root, APP_DIR),
    upscHome: path.join(root, UPSC_HOME),
    originDir: path.join(root, 'origin.git'),
    seedDir: path.join(root, '.sandbox', 'seed'),
    home: path.join(root, 'home'),
    dockerState: path.join(root, '.sandbox', 'docker'),
    systemdState: path.join(root, '.sandbox', 'systemd'),
    originState: path.join(root, '.sandbox', 'origin.json'),
    gitConfig: path.join(root, 'etc', 'gitconfig'),
  }
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0) throw new Error(`sandbox host dir ${root} is not empty`)
  for (const dir of [
    paths.upscHome,
    paths.home,
    paths.dockerState,
    paths.systemdState,
    path.join(root, 'tmp'),
    path.join(root, 'etc/systemd/system'),
    path.dirname(paths.appDir),
  ]) {
    fs.mkdirSync(dir, {recursive: true})
  }

  const branches = {...defaultBranches(), ...options.branches}
  createOrigin(paths, branches)
  // The host resolves the GitHub URL to the local origin (its /etc/gitconfig).
  fs.writeFileSync(
    paths.gitConfig,
    [
      `[url "${paths.originDir}"]`,
      `\tinsteadOf = ${ORIGIN_URL}`,
      `\tinsteadOf = ${ORIGIN_URL.replace(/\.git$/, '')}`,
      '[safe]',
      '\tdirectory = *',
      '[user]',
      '\tname = upsc',
      '\temail = upsc@upscpro.test',
      '',
    ].join('\n'),
  )
  git(['clone', '-q', paths.originDir, paths.appDir], {home: paths.home})
  git(['remote', 'set-url', 'origin', ORIGIN_URL], {cwd: paths.appDir, home: paths.home})

  const now = Date.now()
  const readyDelayMs = options.dockerReadyDelayMs ?? 0
  writeDaemon(paths.dockerState, {
    running: !options.dockerStopped,
    startedAt: options.dockerStopped ? 0 : now,
    readyAt: now + readyDelayMs,
    readyDelayMs,
  })
  writeJson(path.join(paths.systemdState, 'units.json'), {
    'docker.service': {active: !options.dockerStopped, enabled: true, activeEnterTimestamp: now},
    'containerd.service': {active: true, enabled: true, activeEnterTimestamp: now},
    'amazon-ssm-agent.service': {active: true, enabled: true, activeEnterTimestamp: now},
  })
  writeJson(paths.originState, {
    failFetches: options.failFetches ?? 0,
    failure: options.fetchFailure ?? 'network',
    ...(options.requiredToken ? {requiredToken: options.requiredToken} : {}),
  })

  /** The environment the SSM sandbox gives scripts on this host. */
  const env = {
    PATH: `${FAKE_BIN}:${process.env.PATH}`,
    HOME: paths.home,
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TMPDIR: path.join(root, 'tmp'),
    UPSC_ROOT: root,
    FAKE_DOCKER_STATE: paths.dockerState,
    FAKE_SYSTEMD_STATE: paths.systemdState,
    FAKE_ORIGIN_STATE: paths.originState,
    GIT_CONFIG_SYSTEM: paths.gitConfig,
    SANDBOX_HOST_NAME: name,
    // Fake containers exit when this process is gone (see fake-service.js).
    RIG_OWNER_PID: String(process.pid),
  }

  const forgetExitCleanup = cleanupOnExit(() => {
    killAllContainersSync(paths.dockerState)
    killHostProcesses(root)
  })
  let cleaned = false

  return {
    name,
    root,
    appDir: paths.appDir,
    upscHome: paths.upscHome,
    originDir: paths.originDir,
    env,
    /** State files, for tests that need to look deeper. */
    paths,

    /**
     * Run a bash snippet on the host, as the SSM sandbox would (host env, app dir by default).
     * @param {string} script
     * @param {{cwd?: string, env?: Record<string, string>, timeoutMs?: number}} [opts]
     * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
     */
    run: (script, {cwd = paths.appDir, env: extra = {}, timeoutMs = 120_000} = {}) => runBash(script, {cwd, env: {...env, ...extra}, timeoutMs}),

    /** Map an absolute host path ("/opt/upscpro/...") into the sandbox. @param {string} hostPath */
    hostPath: (hostPath) => path.join(root, hostPath),

    /** Commit id of an origin branch. @param {string} branch */
    commitOf: (branch) => git(['rev-parse', `refs/heads/${branch}`], {cwd: paths.originDir, home: paths.home}),

    /** Commit checked out in the app dir. */
    headCommit: () => git(['rev-parse', 'HEAD'], {cwd: paths.appDir, home: paths.home}),

    /**
     * Push a new commit to `branch` on origin (created from main if new).
     * @param {string} branch
     * @param {FileSet} files
     * @returns {string} the new commit id
     */
    pushBranch: (branch, files) => pushBranch(paths, branch, files),

    /**
     * Change the origin's faults: {failFetches, failure, requiredToken}. requiredToken: null removes it.
     * @param {{failFetches?: number, failure?: 'network' | 'auth' | 'stall', requiredToken?: string | null}} patch
     */
    setOriginFaults(patch) {
      withFileLock(paths.originState, () => {
        const state = {...readJson(paths.originState, {}), ...patch}
        if (state.requiredToken === null) delete state.requiredToken
        writeJson(paths.originState, state)
      })
    },
    /** @returns {{failFetches: number, failure: string, requiredToken?: string}} */
    originState: () => readJson(paths.originState, {failFetches: 0, failure: 'network'}),
    /** Every git network operation seen: [{at, op, result, tokenSent}]. */
    originLog: () => readJsonLines(`${paths.originState}.log.jsonl`),

    /**
     * Stop/start the fake docker daemon, or change its readiness delay (applies at next start).
     * Stopping kills the containers, as dockerd does without live-restore. diskFull: builds fail
     * with "no space left on device".
     * @param {{running?: boolean, readyDelayMs?: number, diskFull?: boolean}} patch
     */
    async setDockerState({running, readyDelayMs, diskFull}) {
      if (readyDelayMs !== undefined) writeDaemon(paths.dockerState, {readyDelayMs})
      if (diskFull !== undefined) writeDaemon(paths.dockerState, {diskFull})
      if (running === false) await stopDaemon(paths.dockerState)
      if (running === true) startDaemon(paths.dockerState)
    },
    dockerDaemon: () => readDaemon(paths.dockerState),
    /**
     * Let ms pass for the fake engine at once: the daemon's readiness and start, and every
     * container's start, move ms into the past (readiness delays, health start periods), so a
     * test sees "later" without sleeping.
     * @param {number} ms
     */
    async passTime(ms) {
      const daemon = readDaemon(paths.dockerState)
      writeDaemon(paths.dockerState, {readyAt: daemon.readyAt - ms, startedAt: daemon.startedAt - ms})
      await updateState(paths.dockerState, (state) => {
        for (const container of Object.values(state.containers)) container.startedAt -= ms
      })
    },

    /** Let builds held by `BUILD_HOLD` in their context go on (and any later one pass at once). */
    releaseBuilds: () => fs.writeFileSync(path.join(paths.dockerState, 'builds.release'), ''),
    /** Number of image builds attempted on this host. */
    buildCount: () => buildCount(paths.dockerState),
    /** Build log: [{at, project, service, image, result: 'started'|'ok'|'failed'}]. */
    builds: () => readJsonLines(path.join(paths.dockerState, 'builds.jsonl')),
    /** Images: [{id, tags, created, files, ...}]. */
    images: () => Object.values(readState(paths.dockerState).images),
    /** Containers with their effective state ('running' | 'exited' | 'created'). */
    containers: () => Object.values(readState(paths.dockerState).containers).map((c) => ({...c, state: containerState(c)})),
    /** The container of a service (project upscapp-be by default). @param {string} service */
    container(service, project = 'upscapp-be') {
      return this.containers().find((c) => c.service === service && c.project === project)
    },
    /** Host port published for a service's container port. @param {string} service */
    servicePort(service, containerPort = 8000, project = 'upscapp-be') {
      return this.container(service, project)?.publishers.find((p) => p.target === containerPort)?.published
    },

    /** Add n to a container's RestartCount (what `docker inspect` reports). @param {string} service */
    bumpRestartCount(service, n = 1, project = 'upscapp-be') {
      return updateState(paths.dockerState, (state) => {
        const container = Object.values(state.containers).find((c) => c.service === service && c.project === project)
        if (!container) throw new Error(`no container for service ${service}`)
        container.restartCount += n
      })
    },
    /** Crash a service's process (SIGKILL): it shows as exited (137). @param {string} service */
    killService(service, project = 'upscapp-be') {
      return updateState(paths.dockerState, async (state) => {
        const container = Object.values(state.containers).find((c) => c.service === service && c.project === project)
        if (!container?.pid || !containerAlive(container)) throw new Error(`service ${service} is not running`)
        process.kill(-container.pid, 'SIGKILL')
        while (containerAlive(container)) await new Promise((resolve) => setTimeout(resolve, 10))
        container.state = 'exited'
        container.exitCode = 137
        container.finishedAt = Date.now()
        container.pid = null
      })
    },
    /** Make a running service's /health answer `status` from now on. @param {string} service @param {number} status */
    setServiceHealth(service, status, project = 'upscapp-be') {
      const container = this.container(service, project)
      if (!container) throw new Error(`no container for service ${service}`)
      fs.writeFileSync(path.join(container.dir, 'fs', 'health'), `${status}\n`)
    },

    /** systemd units as recorded by the fake systemctl. */
    units: () => readJson(path.join(paths.systemdState, 'units.json'), {}),

    /** Kill every container process and delete the host folder. */
    cleanup() {
      if (cleaned) return
      cleaned = true
      killAllContainersSync(paths.dockerState)
      killHostProcesses(root)
      forgetExitCleanup()
      fs.rmSync(root, {recursive: true, force: true})
    },
  }
}

/** @typedef {ReturnType<typeof createSandboxHost>} SandboxHost */

/**
 * Build the bare origin: main plus one commit per branch on top of it. The seed work tree
 * stays under .sandbox/seed for pushBranch.
 * @param {{originDir: string, seedDir: string, home: string}} paths
 * @param {Record<string, FileSet>} branches
 */
function createOrigin(paths, branches) {
  const opts = {home: paths.home}
  git(['init', '-q', '--bare', '-b', 'main', paths.originDir], opts)
  git(['init', '-q', '-b', 'main', paths.seedDir], opts)
  const seed = {...opts, cwd: paths.seedDir}
  writeFiles(paths.seedDir, baseFiles())
  git(['add', '-A'], seed)
  git(['commit', '-q', '-m', 'Initial app'], seed)
  // main first: the other branches start from it.
  const ordered = Object.entries(branches).sort(([a], [b]) => Number(b === 'main') - Number(a === 'main'))
  for (const [branch, files] of ordered) {
    if (branch === 'main') {
      git(['checkout', '-q', 'main'], seed)
    } else {
      git(['checkout', '-q', '-b', branch, 'main'], seed)
    }
    writeFiles(paths.seedDir, files)
    git(['add', '-A'], seed)
    git(['commit', '-q', '--allow-empty', '-m', `${branch}: test branch`], seed)
  }
  git(['checkout', '-q', 'main'], seed)
  git(['remote', 'add', 'origin', paths.originDir], seed)
  git(['push', '-q', 'origin', '--all'], seed)
}

/**
 * @param {{originDir: string, seedDir: string, home: string}} paths
 * @param {string} branch
 * @param {FileSet} files
 */
function pushBranch(paths, branch, files) {
  const seed = {home: paths.home, cwd: paths.seedDir}
  git(['fetch', '-q', 'origin'], seed)
  const exists = git(['ls-remote', '--heads', 'origin', branch], seed) !== ''
  git(['checkout', '-q', '-B', branch, exists ? `origin/${branch}` : 'origin/main'], seed)
  writeFiles(paths.seedDir, files)
  git(['add', '-A'], seed)
  git(['commit', '-q', '--allow-empty', '-m', `${branch}: update`], seed)
  git(['push', '-q', '-f', 'origin', `${branch}:${branch}`], seed)
  return git(['rev-parse', 'HEAD'], seed)
}

/** @param {string} file */
function readJsonLines(file) {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  } catch {
    return []
  }
}

/**
 * Kill whatever still runs "on" the host: any process whose environment has its UPSC_ROOT
 * (background jobs left by scripts, a script still running, ...).
 * @param {string} root
 */
function killHostProcesses(root) {
  const mark = `UPSC_ROOT=${root}`
  for (const pid of findProcesses((proc) => proc.environ().split('\0').includes(mark))) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
  // A daemon that rewrites its environment for its process title (nginx, the blue-green proxy)
  // still names its files under the host's root on its command line: end its session.
  for (const pid of findProcesses((proc) => proc.cmdline().includes(`${root}/`) && proc.pgid() === proc.pid)) killGroup(pid, 'SIGKILL')
}

/**
 * @param {string} script
 * @param {{cwd: string, env: Record<string, string>, timeoutMs: number}} opts
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
function runBash(script, {cwd, env, timeoutMs}) {
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout kills the whole script.
    const child = spawn('bash', ['-c', script], {cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => killGroup(/** @type {number} */ (child.pid), 'SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}
