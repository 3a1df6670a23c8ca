// Small helpers shared by the rig: ports, waiting, process groups.
import fs from 'node:fs'
import net from 'node:net'

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Ask the kernel for a free loopback port. There is a small window between closing and
 * reuse; callers that spawn servers on it retry on failure.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = /** @type {net.AddressInfo} */ (server.address())
      server.close(() => resolve(port))
    })
  })
}

/**
 * Poll `check` until it returns a truthy value or the deadline passes.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {{timeoutMs?: number, intervalMs?: number, what?: string}} [opts]
 * @returns {Promise<T>}
 */
export async function waitFor(check, {timeoutMs = 10_000, intervalMs = 50, what = 'condition'} = {}) {
  const deadline = Date.now() + timeoutMs
  let lastError
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (error) {
      lastError = error
    }
    if (Date.now() > deadline) {
      const reason = lastError ? `: ${/** @type {Error} */ (lastError).message}` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`)
    }
    await sleep(intervalMs)
  }
}

/**
 * Call `onGone` (checked every second) once the rig is gone: the process that created the host
 * (RIG_OWNER_PID) died, even SIGKILLed, or the host folder `dir` was removed. For the processes a
 * host leaves running (fake containers, the agent stand-in), which must not outlive the rig.
 * @param {string} dir
 * @param {() => void} onGone
 */
export function whenRigGone(dir, onGone) {
  const owner = Number(process.env.RIG_OWNER_PID)
  setInterval(() => {
    if ((owner && !isAlive(owner)) || !fs.existsSync(dir)) onGone()
  }, 1000).unref()
}

/**
 * True when `pid` is a live (non-zombie) process. Orphaned children may linger as zombies
 * until init reaps them; those count as dead.
 * @param {number | undefined | null} pid
 */
export function isAlive(pid) {
  if (!pid) return false
  try {
    process.kill(pid, 0)
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM'
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

/**
 * Send a signal to a whole process group (the process was spawned detached, so its pid is
 * the group id). Falls back to the single pid if the group is gone.
 * @param {number} pid
 * @param {NodeJS.Signals} [signal]
 */
export function killGroup(pid, signal = 'SIGKILL') {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      /* already gone */
    }
  }
}

/**
 * Kill a process group and wait until its leader is gone.
 * @param {number} pid
 * @param {{signal?: NodeJS.Signals, timeoutMs?: number}} [opts]
 */
export async function killGroupAndWait(pid, {signal = 'SIGTERM', timeoutMs = 5000} = {}) {
  killGroup(pid, signal)
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      killGroup(pid, 'SIGKILL')
      await sleep(50)
      if (Date.now() > deadline + 2000) break
    }
    await sleep(25)
  }
}

/**
 * Read a JSON file, or return `fallback` when it does not exist.
 * @template T
 * @param {string} file
 * @param {T} fallback
 * @returns {T}
 */
export function readJson(file, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return fallback
    throw error
  }
}

/**
 * Write JSON atomically (write + rename), so concurrent readers never see half a file.
 * @param {string} file
 * @param {unknown} value
 */
export function writeJson(file, value) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`)
  fs.renameSync(tmp, file)
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))
/** Blocking sleep, for the synchronous lock below. @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(sleepCell, 0, 0, ms)
}

/**
 * Run `fn` while holding a directory lock next to `file`. The fake binaries are separate
 * processes that may run concurrently on one host; this keeps read-modify-write safe.
 * A lock whose owner died is taken over.
 * @template T
 * @param {string} file
 * @param {() => T} fn
 * @returns {T}
 */
export function withFileLock(file, fn) {
  const lockDir = `${file}.lock`
  const deadline = Date.now() + 30_000
  while (!tryLock(lockDir, file, deadline)) sleepSync(10)
  try {
    return fn()
  } finally {
    fs.rmSync(lockDir, {recursive: true, force: true})
  }
}

/**
 * Async variant of withFileLock, for critical sections that wait on I/O.
 * @template T
 * @param {string} file
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withFileLockAsync(file, fn) {
  const lockDir = `${file}.lock`
  const deadline = Date.now() + 60_000
  while (!tryLock(lockDir, file, deadline)) await sleep(10)
  try {
    return await fn()
  } finally {
    fs.rmSync(lockDir, {recursive: true, force: true})
  }
}

/**
 * One attempt at the directory lock: true when taken; false when another process holds it (a dead
 * owner's lock is broken for the next attempt); throws past the deadline.
 * @param {string} lockDir
 * @param {string} file
 * @param {number} deadline
 */
function tryLock(lockDir, file, deadline) {
  try {
    fs.mkdirSync(lockDir)
    fs.writeFileSync(`${lockDir}/pid`, String(process.pid))
    return true
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error
    breakStaleLock(lockDir)
    if (Date.now() > deadline) throw new Error(`could not lock ${file}`)
    return false
  }
}

/** @param {string} lockDir */
function breakStaleLock(lockDir) {
  let owner
  try {
    owner = Number(fs.readFileSync(`${lockDir}/pid`, 'utf8'))
  } catch {
    // The owner may be between mkdir and writing its pid: only break old, pid-less locks.
    try {
      if (Date.now() - fs.statSync(lockDir).mtimeMs > 2000) fs.rmSync(lockDir, {recursive: true, force: true})
    } catch {
      /* gone meanwhile */
    }
    return
  }
  if (owner && !isAlive(owner)) fs.rmSync(lockDir, {recursive: true, force: true})
}

/** Process groups to kill if the Node process exits without a proper stop(). */
const groupsToKillOnExit = new Set()
/** @type {Set<() => void>} */
const syncCleanups = new Set()
let exitHookInstalled = false

function runExitCleanups() {
  for (const pid of groupsToKillOnExit) killGroup(pid, 'SIGKILL')
  groupsToKillOnExit.clear()
  for (const cleanup of syncCleanups) {
    try {
      cleanup()
    } catch {
      /* best effort on exit */
    }
  }
  syncCleanups.clear()
}

function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', runExitCleanups)
  // A signal's default action skips 'exit'. Clean up, then die of the signal as before,
  // but only when nobody else handles it (an app with its own handler calls stop() itself).
  for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return
      runExitCleanups()
      process.removeListener(signal, onSignal)
      process.kill(process.pid, signal)
    }
    process.on(signal, onSignal)
  }
}

/**
 * Safety net: kill this process group when Node exits, in case stop() was never called.
 * Returns a function that forgets it again (call it after a normal stop).
 * @param {number} pid
 */
export function killGroupOnExit(pid) {
  installExitHook()
  groupsToKillOnExit.add(pid)
  return () => groupsToKillOnExit.delete(pid)
}

/**
 * Safety net: run a synchronous cleanup when Node exits. Returns an unregister function.
 * @param {() => void} fn
 */
export function cleanupOnExit(fn) {
  installExitHook()
  syncCleanups.add(fn)
  return () => syncCleanups.delete(fn)
}

/**
 * Create an AWS SDK client for the rig's own use without the SDK's NodeVersionSupportWarning
 * (the SDK checks its documented switch when a client is built). The variable is restored
 * at once, so processes the rig spawns, such as the CLI under test, keep their own behaviour.
 * Note: the SDK remembers per process that it has decided, so later clients in the same
 * process do not warn either.
 * @template T
 * @param {() => T} create
 * @returns {T}
 */
export function quietSdkClient(create) {
  const name = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'
  const previous = process.env[name]
  process.env[name] = 'true'
  try {
    return create()
  } finally {
    if (previous === undefined) delete process.env[name]
    else process.env[name] = previous
  }
}

/**
 * Pids of live processes (other than this one) matching a predicate on what /proc shows.
 * Used to sweep up processes the rig started indirectly (containers, background jobs).
 * @param {(proc: {pid: number, cmdline: () => string, environ: () => string, pgid: () => number}) => boolean} predicate
 * @returns {number[]}
 */
export function findProcesses(predicate) {
  const read = (/** @type {string} */ file) => {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch {
      return ''
    }
  }
  const found = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    const proc = {
      pid,
      cmdline: () => read(`/proc/${pid}/cmdline`),
      environ: () => read(`/proc/${pid}/environ`),
      pgid: () => {
        const stat = read(`/proc/${pid}/stat`)
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
      },
    }
    if (predicate(proc) && isAlive(pid)) found.push(pid)
  }
  return found
}

/**
 * Whether something accepts TCP connections on 127.0.0.1:port.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}
