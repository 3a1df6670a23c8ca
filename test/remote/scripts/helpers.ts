// Shared bits of the remote-script tests: sandbox hosts that clean up after themselves, fast
// settings, and what a host's api serves.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach} from 'vitest'
import {createSandboxHost} from '../../../tools/stand-in/sandbox-host.js'

/** @type {ReturnType<typeof createSandboxHost>[]} */
const hosts = []
afterEach(() => {
  for (const host of hosts.splice(0)) host.cleanup()
})

/**
 * A fresh sandbox host, removed after the test.
 * @param {Parameters<typeof createSandboxHost>[0] extends infer O ? Omit<O, 'dir'> : never} [options]
 */
export function newHost(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upsc-remote-'))
  fs.rmdirSync(dir)
  const host = createSandboxHost({...options, dir})
  hosts.push(host)
  return host
}

/** Health check on the api service plus timings small enough for tests. */
export const FAST = Object.freeze({
  UPSC_HC_COUNT: 1,
  UPSC_HC_1_NAME: 'api',
  UPSC_HC_1_SERVICE: 'api',
  UPSC_HC_1_PORT: 8000,
  UPSC_HC_1_PATH: '/health',
  UPSC_HEALTH_TIMEOUT_SECONDS: 4,
  UPSC_HEALTH_INTERVAL_SECONDS: 0.25,
  UPSC_RETRY_BASE_SECONDS: 0.1,
  UPSC_DOCKER_WAIT_SECONDS: 30,
  UPSC_CALLER: 'arn:aws:sts::123456789012:assumed-role/dev/alice',
  UPSC_TOOL_VERSION: '0.1.0-test',
})

/** Is the host's deploy lock file locked by anyone (/proc/locks, without taking it)? */
export function lockHeld(host) {
  const file = path.join(host.upscHome, 'deploy.lock')
  if (!fs.existsSync(file)) return false
  return fs.readFileSync('/proc/locks', 'utf8').includes(`:${fs.statSync(file).ino} `)
}

/** Settings for one point's hooks, as src/remote/settings.ts builds them. */
export function hooks(point, list) {
  const s = {[`UPSC_HOOK_${point}_COUNT`]: list.length}
  list.forEach(({command, timeout, rollback}, i) => {
    s[`UPSC_HOOK_${point}_${i + 1}_ARGC`] = command.length
    command.forEach((w, j) => (s[`UPSC_HOOK_${point}_${i + 1}_${j + 1}`] = w))
    if (timeout) s[`UPSC_HOOK_${point}_${i + 1}_TIMEOUT`] = timeout
    if (rollback) s[`UPSC_HOOK_${point}_${i + 1}_ROLLBACK`] = 1
  })
  return s
}

/** What the api container of a host serves on /version (its branch), over real HTTP. */
export async function servedVersion(host) {
  const port = host.servicePort('api')
  if (!port) return undefined
  const response = await fetch(`http://127.0.0.1:${port}/version`, {signal: AbortSignal.timeout(3000)})
  return (await response.text()).trim()
}

/** Status of the api's /health, over real HTTP. */
export async function healthStatus(host) {
  const port = host.servicePort('api')
  const response = await fetch(`http://127.0.0.1:${port}/health`, {signal: AbortSignal.timeout(3000)})
  await response.arrayBuffer()
  return response.status
}

/** The history file's records (complete lines only). */
export function historyFile(host) {
  const file = path.join(host.upscHome, 'deployments.jsonl')
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
}

/** Tags "repo:tag" of every image on a host. */
export function imageTags(host) {
  return host.images().flatMap((image) => image.tags)
}

/** Commits (12 hex) that have upsc-<sha> tags for the api image. */
export function upscTaggedCommits(host) {
  return imageTags(host)
    .filter((tag) => /^(docker\.io\/library\/)?upscapp-be-api:upsc-/.test(tag))
    .map((tag) => tag.split(':upsc-')[1])
    .sort()
}

/** Step names and statuses of a run, e.g. ["lock ok", "docker ok", ...] (start lines left out). */
export function stepSummary(run) {
  return run.steps.filter((s) => s.status !== 'start').map((s) => `${s.name} ${s.status}`)
}

/** Wait until `check()` is truthy. */
export async function until(check, {timeoutMs = 20_000, intervalMs = 50, what = 'condition'} = {}) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** current.json of a host: what its stack was last started from, or undefined. */
export function currentJson(host) {
  const file = path.join(host.upscHome, 'current.json')
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined
}

/**
 * What disagrees with what runs (current.json) on a host: the checkout, the images' `latest` tags
 * (each must be the image tagged upsc-<sha12> of the running commit), a lock.json left behind.
 * [] when the host is consistent.
 */
export function inconsistencies(host) {
  const run = currentJson(host)?.commit
  if (!run) return ['no current.json']
  const problems = []
  const head = host.headCommit()
  if (head !== run) problems.push(`checkout ${head.slice(0, 12)} is not the running ${run.slice(0, 12)}`)
  for (const image of host.images()) {
    const latest = image.tags.find((tag) => /^upscapp-be-[a-z]+:latest$/.test(tag))
    if (latest && !image.tags.includes(latest.replace(':latest', `:upsc-${run.slice(0, 12)}`)))
      problems.push(`${latest} is not the image of ${run.slice(0, 12)} (tags ${image.tags.join(' ')})`)
  }
  if (fs.existsSync(path.join(host.upscHome, 'lock.json'))) problems.push('lock.json left behind')
  return problems
}
