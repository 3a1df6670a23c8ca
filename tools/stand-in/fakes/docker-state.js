// File-backed state of one host's fake Docker engine, shared by the fake `docker`, the
// fake `systemctl` and the rig's test helpers. Everything lives under FAKE_DOCKER_STATE:
//
//   daemon.json        {running, readyAt, readyDelayMs, startedAt}
//   state.json         {images: {id: Image}, containers: {name: Container}, ports: {key: port}}
//   builds.count       number of image builds ever attempted (plain integer)
//   builds.jsonl       one JSON line per build attempt {at, project, service, image, ok}
//   containers/<id>/   per container: fs/ (files of the image), ready.json, service.log
import crypto from 'node:crypto'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {findProcesses, isAlive, readJson, sleep, withFileLock, withFileLockAsync, writeJson} from '../util.js'

const FAKE_SERVICE = fileURLToPath(new URL('../fake-service.js', import.meta.url))

/**
 * @typedef {object} Image
 * @property {string} id        "sha256:<64 hex>"
 * @property {string[]} tags    "repo:tag" references
 * @property {number} created   epoch ms
 * @property {number} size      bytes
 * @property {Record<string, string>} files  snapshot of the build context (small files only)
 * @property {Record<string, string>} labels
 */

/**
 * @typedef {object} Container
 * @property {string} id            64 hex
 * @property {string} name          e.g. upscapp-be-api-1
 * @property {string} project
 * @property {string} service
 * @property {string} image         reference it was created from, e.g. upscapp-be-api:latest
 * @property {string} imageId
 * @property {number} created       epoch ms
 * @property {number} startedAt     epoch ms
 * @property {number | null} finishedAt
 * @property {number | null} pid
 * @property {'running' | 'exited' | 'created'} state   as last recorded; a dead pid means exited
 * @property {number} exitCode
 * @property {{target: number, published: number, protocol: string}[]} publishers
 * @property {number[]} ports       ports the fake service listens on (published or private)
 * @property {{startPeriodMs: number} | null} healthcheck
 * @property {number} restartCount
 * @property {string} dir           containers/<id>
 * @property {Record<string, string>} [env]  its environment (env_file + environment), as compose resolved it
 */

/** @param {string} [dir] */
export function stateDir(dir = process.env.FAKE_DOCKER_STATE) {
  if (!dir) throw new Error('fake docker: FAKE_DOCKER_STATE is not set')
  fs.mkdirSync(dir, {recursive: true})
  return dir
}

// ---------------------------------------------------------------- daemon

/**
 * @typedef {{running: boolean, readyAt: number, readyDelayMs: number, startedAt: number, diskFull?: boolean}} Daemon
 */

/** @param {string} dir @returns {Daemon} */
export function readDaemon(dir) {
  return readJson(path.join(dir, 'daemon.json'), {running: true, readyAt: 0, readyDelayMs: 0, startedAt: 0})
}

/** @param {string} dir @param {Partial<Daemon>} patch */
export function writeDaemon(dir, patch) {
  const file = path.join(dir, 'daemon.json')
  withFileLock(file, () => writeJson(file, {...readDaemon(dir), ...patch}))
}

/** @param {string} dir */
export function daemonReady(dir) {
  const daemon = readDaemon(dir)
  return daemon.running && Date.now() >= daemon.readyAt
}

/**
 * Start the daemon: it answers only after its readiness delay. Starting a running daemon
 * changes nothing (like `systemctl start`).
 * @param {string} dir
 * @param {{restart?: boolean}} [opts]
 */
export function startDaemon(dir, {restart = false} = {}) {
  const daemon = readDaemon(dir)
  if (daemon.running && !restart) return
  const now = Date.now()
  writeDaemon(dir, {running: true, startedAt: now, readyAt: now + (daemon.readyDelayMs || 0)})
}

/**
 * Stop the daemon. Like dockerd without live-restore, its containers die with it.
 * @param {string} dir
 */
export async function stopDaemon(dir) {
  writeDaemon(dir, {running: false})
  await updateState(dir, async (state) => {
    for (const container of Object.values(state.containers)) await stopContainer(container, 'SIGKILL')
  })
}

// ---------------------------------------------------------------- state.json

/** @typedef {{images: Record<string, Image>, containers: Record<string, Container>, ports: Record<string, number>, buildCache?: {id: string, size: number, lastUsed: number}[]}} State */

/** @param {string} dir @returns {State} */
export function readState(dir) {
  return readJson(path.join(dir, 'state.json'), {images: {}, containers: {}, ports: {}})
}

/**
 * Read-modify-write state.json under a lock.
 * @template T
 * @param {string} dir
 * @param {(state: State) => Promise<T> | T} fn
 * @returns {Promise<T>}
 */
export function updateState(dir, fn) {
  const file = path.join(dir, 'state.json')
  return withFileLockAsync(file, async () => {
    const state = readState(dir)
    try {
      return await fn(state)
    } finally {
      // Also on failure: processes started before the error must stay tracked.
      writeJson(file, state)
    }
  })
}

// ---------------------------------------------------------------- builds counter

/** @param {string} dir */
export function buildCount(dir) {
  try {
    return Number(fs.readFileSync(path.join(dir, 'builds.count'), 'utf8').trim()) || 0
  } catch {
    return 0
  }
}

/**
 * Count one build attempt.
 * @param {string} dir
 * @param {Record<string, unknown>} record
 */
export function countBuild(dir, record) {
  const file = path.join(dir, 'builds.count')
  withFileLock(file, () => {
    fs.writeFileSync(file, `${buildCount(dir) + 1}\n`)
    fs.appendFileSync(path.join(dir, 'builds.jsonl'), `${JSON.stringify({at: new Date().toISOString(), ...record})}\n`)
  })
}

// ---------------------------------------------------------------- images

export const newImageId = () => `sha256:${crypto.randomBytes(32).toString('hex')}`
export const newContainerId = () => crypto.randomBytes(32).toString('hex')

/**
 * Split "repo[:tag]" (tag defaults to latest). A colon before the last slash belongs to a
 * registry host:port, not to the tag.
 * @param {string} ref
 */
export function normalizeRef(ref) {
  const slash = ref.lastIndexOf('/')
  const colon = ref.lastIndexOf(':')
  if (colon > slash) return {repository: ref.slice(0, colon), tag: ref.slice(colon + 1), ref}
  return {repository: ref, tag: 'latest', ref: `${ref}:latest`}
}

/**
 * Find an image by reference or by (a prefix of) its ID.
 * @param {State} state
 * @param {string} nameOrId
 * @returns {Image | undefined}
 */
export function findImage(state, nameOrId) {
  const {ref} = normalizeRef(nameOrId)
  const byTag = Object.values(state.images).find((image) => image.tags.includes(ref))
  if (byTag) return byTag
  const hex = nameOrId.replace(/^sha256:/, '')
  if (/^[0-9a-f]{4,64}$/.test(hex)) {
    const matches = Object.values(state.images).filter((image) => image.id.slice(7).startsWith(hex))
    if (matches.length === 1) return matches[0]
  }
  return undefined
}

/**
 * Put `ref` on `image`, taking it off whichever image held it before (which may thereby
 * become dangling, as in Docker).
 * @param {State} state
 * @param {Image} image
 * @param {string} reference
 */
export function tagImage(state, image, reference) {
  const {ref} = normalizeRef(reference)
  for (const other of Object.values(state.images)) other.tags = other.tags.filter((tag) => tag !== ref)
  image.tags.push(ref)
}

// ---------------------------------------------------------------- containers

/**
 * True when the container's fake-service process is alive. The command line is checked
 * too, so a recycled pid is not mistaken for the container.
 * @param {Container} container
 */
export function containerAlive(container) {
  if (!container.pid || !isAlive(container.pid)) return false
  try {
    return fs.readFileSync(`/proc/${container.pid}/cmdline`, 'utf8').includes(container.id)
  } catch {
    return false
  }
}

/**
 * Effective state: a recorded "running" container whose process died is "exited".
 * @param {Container} container
 */
export function containerState(container) {
  if (container.state === 'running' && !containerAlive(container)) return 'exited'
  return container.state
}

/**
 * Stop a container's process (the whole process group) and wait for it to be gone.
 * @param {Container} container
 * @param {NodeJS.Signals} [signal]
 */
export async function stopContainer(container, signal = 'SIGTERM') {
  if (containerAlive(container) && container.pid) {
    try {
      process.kill(-container.pid, signal)
    } catch {
      /* gone */
    }
    const deadline = Date.now() + 3000
    while (containerAlive(container)) {
      if (Date.now() > deadline) {
        try {
          process.kill(-container.pid, 'SIGKILL')
        } catch {
          /* gone */
        }
      }
      await sleep(20)
    }
    container.exitCode = signal === 'SIGKILL' ? 137 : 0
  } else if (container.state === 'running') {
    container.exitCode = 137
  }
  if (container.state === 'running') container.finishedAt = Date.now()
  container.state = 'exited'
  container.pid = null
}

/**
 * The daemon's AWS endpoint: on EC2 the Docker daemon has the instance role (IMDS), not the
 * environment of whoever ran `docker`; the stand-in plays that role with the host's ~/.aws/config
 * (tools/stand-in/README.md), or AWS_ENDPOINT_URL where a test gives one.
 * @returns {string | undefined}
 */
function daemonAwsEndpoint() {
  if (process.env.AWS_ENDPOINT_URL) return process.env.AWS_ENDPOINT_URL
  try {
    return /^endpoint_url\s*=\s*(\S+)/m.exec(fs.readFileSync(path.join(os.homedir(), '.aws', 'config'), 'utf8'))?.[1]
  } catch {
    return undefined
  }
}

/**
 * The `awslogs` logging driver (compose `logging: {driver: awslogs, options}`): the container's
 * output lines go to CloudWatch Logs, group `awslogs-group` (created only with
 * `awslogs-create-group: "true"`, as the driver does), stream `awslogs-stream`, region
 * `awslogs-region`, through the daemon's AWS endpoint and credentials (here: the environment's
 * AWS_ENDPOINT_URL or the host's instance profile, moto). The rig's agent stand-in tails the container's log for it, one shipper per
 * container, gone with the container's folder. Without an endpoint the container does not start,
 * as the driver fails to initialise. Other drivers: the log stays local only (json-file).
 * @param {Container} container
 */
function startLogDriver(container) {
  const logging = /** @type {{driver?: string, options?: Record<string, string>} | null | undefined} */ (container.logging)
  if (logging?.driver !== 'awslogs' || (container.logShipperPid && isAlive(container.logShipperPid))) return
  const o = logging.options ?? {}
  const endpoint = daemonAwsEndpoint()
  if (!endpoint || !o['awslogs-group'] || !o['awslogs-region'])
    throw new Error(`failed to create task for container: failed to initialize logging driver: awslogs needs awslogs-group, awslogs-region and AWS credentials`)
  const agent = path.join(path.dirname(FAKE_SERVICE), 'cloudwatch-agent.js')
  const args = [
    agent,
    '--file',
    path.join(container.dir, 'service.log'),
    '--group',
    o['awslogs-group'],
    '--stream',
    o['awslogs-stream'] ?? container.id,
    '--region',
    o['awslogs-region'],
    ...(o['awslogs-create-group'] === 'true' ? ['--create-group'] : []),
  ]
  const child = spawn(process.execPath, args, {detached: true, stdio: 'ignore', env: {...process.env, AWS_ENDPOINT_URL: endpoint}})
  child.unref()
  container.logShipperPid = child.pid ?? null
}

/**
 * Start the fake-service process for a container and wait until it listens.
 * `ports` lists the host ports to bind (0 = any free port).
 * @param {Container} container
 * @param {number[]} ports
 */
export async function startContainerProcess(container, ports) {
  fs.mkdirSync(container.dir, {recursive: true})
  const readyFile = path.join(container.dir, 'ready.json')
  fs.rmSync(readyFile, {force: true})
  const log = fs.openSync(path.join(container.dir, 'service.log'), 'a')
  const args = [
    FAKE_SERVICE,
    '--id',
    container.id,
    '--name',
    container.name,
    '--fs',
    path.join(container.dir, 'fs'),
    '--ready-file',
    readyFile,
    ...ports.flatMap((port) => ['--port', String(port)]),
  ]
  startLogDriver(container)
  // Detached: the container must outlive the `docker` command and the script that ran it.
  const child = spawn(process.execPath, args, {detached: true, stdio: ['ignore', log, log]})
  child.unref()
  fs.closeSync(log)
  container.pid = child.pid ?? null
  container.state = 'running'
  container.startedAt = Date.now()
  container.finishedAt = null
  container.exitCode = 0

  const deadline = Date.now() + 10_000
  for (;;) {
    const ready = readJson(readyFile, /** @type {{ports: number[]} | null} */ (null))
    if (ready) {
      container.ports = ready.ports
      return
    }
    if (!isAlive(child.pid)) {
      const tail = readTail(path.join(container.dir, 'service.log'), 5).join('\n')
      container.state = 'exited'
      container.exitCode = 1
      container.pid = null
      throw new Error(`container ${container.name} failed to start: ${tail}`)
    }
    if (Date.now() > deadline) throw new Error(`container ${container.name} did not start listening`)
    await sleep(15)
  }
}

/**
 * Last `n` lines of a file.
 * @param {string} file
 * @param {number} n
 */
export function readTail(file, n) {
  let text
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return []
  }
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return n >= 0 ? lines.slice(Math.max(0, lines.length - n)) : lines
}

/**
 * Kill every container process of this host (used by the rig's cleanup). Besides the
 * recorded pids, it sweeps /proc for fake services of this state dir, in case a `docker`
 * command was killed between starting a container and recording it. Synchronous so it can
 * also run from a process 'exit' hook.
 * @param {string} dir
 */
export function killAllContainersSync(dir) {
  const marker = `${path.resolve(dir)}/containers/`
  const pids = findProcesses((proc) => {
    const cmdline = proc.cmdline()
    return cmdline.includes(FAKE_SERVICE) && cmdline.includes(marker)
  })
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
}
