// Start and stop a moto_server (the independent AWS emulator) on a free loopback port.
import {spawn} from 'node:child_process'
import {freePort, killGroup, killGroupOnExit, portOpen, sleep, waitFor} from './util.js'

const STARTUP_TIMEOUT_MS = 30_000

/**
 * Runs moto and stops it when the Node process that asked for it is gone, even if that
 * process was killed with SIGKILL and never called stop(). Args: parent pid, command...
 */
const WATCHDOG = `
parent=$1; shift
"$@" &
child=$!
trap 'kill "$child" 2>/dev/null; exit 143' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
kill "$child" 2>/dev/null
wait "$child"
`

/**
 * @typedef {object} Moto
 * @property {string} url      e.g. http://127.0.0.1:41234
 * @property {number} port
 * @property {number} pid
 * @property {() => Promise<void>} reset  wipe every resource (POST /moto-api/reset)
 * @property {() => Promise<void>} stop   kill the server (its whole process group) and wait
 */

/**
 * Spawn `moto_server -H 127.0.0.1 -p PORT` and wait until it answers.
 * When no port is given a free one is picked; a lost race for it is retried.
 * @param {{port?: number, bin?: string}} [opts]
 * @returns {Promise<Moto>}
 */
export async function startMoto({port, bin = process.env.MOTO_SERVER_BIN || 'moto_server'} = {}) {
  const attempts = port ? 1 : 3
  let lastError
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await startOnce(port ?? (await freePort()), bin)
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}

/**
 * @param {number} port
 * @param {string} bin
 * @returns {Promise<Moto>}
 */
async function startOnce(port, bin) {
  const url = `http://127.0.0.1:${port}`
  // Own process group, so the watchdog, the pyenv shim and Python are killed together.
  const child = spawn('bash', ['-c', WATCHDOG, 'moto-watchdog', String(process.pid), bin, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {...process.env, PYTHONUNBUFFERED: '1'},
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    // Keep only the tail: moto logs every request.
    stderr = (stderr + chunk).slice(-4000)
  })
  /** @type {number | null | undefined} */
  let exitCode
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0)
      resolve(undefined)
    })
    child.on('error', (error) => {
      stderr += String(error)
      exitCode = -1
      resolve(undefined)
    })
  })

  const forget = killGroupOnExit(/** @type {number} */ (child.pid))
  const stop = async () => {
    forget()
    if (exitCode !== undefined) return
    killGroup(/** @type {number} */ (child.pid), 'SIGTERM')
    const timer = setTimeout(() => killGroup(/** @type {number} */ (child.pid), 'SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
    // The shim may have forked: make sure nothing of the group survives.
    killGroup(/** @type {number} */ (child.pid), 'SIGKILL')
    // kill() returns before the server has died: until it is scheduled, the kernel still accepts
    // connections on its listening socket. Wait for the port to refuse them.
    // (Bounded and not an error: another process may take a freed port at once.)
    await waitFor(async () => !(await portOpen(port)), {timeoutMs: 10_000, what: `moto's port ${port} to close`}).catch(() => {})
  }

  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    if (exitCode !== undefined) throw new Error(`moto_server exited during startup (code ${exitCode}): ${stderr}`)
    if (await answers(url)) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`moto_server did not answer on ${url} within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`)
    }
    await sleep(100)
  }
  // The stderr pipe must not keep the parent alive; drain and detach it.
  // A pipe is a net.Socket underneath, which has unref().
  child.stderr.unref?.()
  child.unref()

  return {
    url,
    port,
    pid: /** @type {number} */ (child.pid),
    async reset() {
      const response = await fetch(`${url}/moto-api/reset`, {method: 'POST'})
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`)
      await response.arrayBuffer()
    },
    stop,
  }
}

/** @param {string} url */
async function answers(url) {
  try {
    const response = await fetch(`${url}/moto-api/`, {signal: AbortSignal.timeout(1000)})
    await response.arrayBuffer()
    return response.ok
  } catch {
    return false
  }
}
