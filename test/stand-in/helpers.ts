// Helpers shared by the rig's own tests.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

// The rig's tests build SDK clients in-process; keep the Node 20 notice out of their output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

/**
 * Run a bash snippet (asynchronously, so in-process servers keep serving).
 * @param {string} script
 * @param {{env?: Record<string, string>, cwd?: string, timeoutMs?: number}} [opts]
 * @returns {Promise<{code: number | null, stdout: string, stderr: string}>}
 */
export function run(script, {env, cwd, timeoutMs = 30_000} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** A fresh temp dir, removed by the returned function. @param {string} prefix */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`))
  return {dir, remove: () => fs.rmSync(dir, {recursive: true, force: true})}
}

/** SDK client settings for the rig: explicit endpoint, dummy credentials, no retries. @param {string} endpoint */
export function sdkConfig(endpoint, region = 'eu-central-1') {
  return {region, endpoint, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}, maxAttempts: 1}
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const TERMINAL = ['Success', 'Failed', 'TimedOut', 'Cancelled']

/**
 * Poll GetCommandInvocation until the invocation is over (our own loop, as the CLI does).
 * @param {import('@aws-sdk/client-ssm').SSMClient} ssm
 * @param {typeof import('@aws-sdk/client-ssm')} sdk
 * @param {string} CommandId
 * @param {string} InstanceId
 * @param {{timeoutMs?: number, intervalMs?: number}} [opts]
 */
export async function waitForInvocation(ssm, sdk, CommandId, InstanceId, {timeoutMs = 20_000, intervalMs = 50} = {}) {
  const deadline = Date.now() + timeoutMs
  /** @type {string[]} */
  const statuses = []
  let notFound = 0
  for (;;) {
    try {
      const result = await ssm.send(new sdk.GetCommandInvocationCommand({CommandId, InstanceId}))
      if (statuses.at(-1) !== result.Status) statuses.push(/** @type {string} */ (result.Status))
      if (TERMINAL.includes(/** @type {string} */ (result.Status))) return {result, statuses, notFound}
    } catch (error) {
      if (/** @type {Error} */ (error).name !== 'InvocationDoesNotExist') throw error
      notFound += 1
    }
    if (Date.now() > deadline) throw new Error(`invocation ${CommandId}/${InstanceId} still ${statuses.at(-1)} after ${timeoutMs} ms`)
    await sleep(intervalMs)
  }
}

/** Is a pid alive (and not a zombie)? @param {number} pid */
export function pidAlive(pid) {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\S+ \(.*\) [ZX]/.test(stat)
  } catch {
    return false
  }
}

/**
 * Was a pid SIGKILLed (or is it gone)? Right after kill(2) returns, the target may still show as
 * running, with SIGKILL pending: that counts. A process that exits by itself later does not.
 * @param {number} pid
 */
export function killedOrGone(pid) {
  if (!pidAlive(pid)) return true
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    // Pending-signal masks: bit 9 (0x100) is SIGKILL.
    return [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].some((m) => (BigInt(`0x${m[1]}`) & 0x100n) !== 0n)
  } catch {
    return true
  }
}
