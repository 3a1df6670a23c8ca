// Run a remote script for real, as the CLI's payload does (the bundle of lib.sh + the entry
// script, in one bash), with the settings as environment variables, on a sandbox host (tools/stand-in).
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {buildPayload, cachedScripts, extraLibraries, readScript, scriptBundle} from '../../../src/remote/payload.ts'

export const SCRIPTS_DIR = fileURLToPath(new URL('../../../src/remote/scripts/', import.meta.url))

/**
 * The bash program a script runs as.
 * - default: exactly what the CLI sends (`scriptBundle` of src/remote/payload.ts: the reachable
 *   part of lib.sh, then the entry script, comments and indentation dropped);
 * - raw: lib.sh (its parts in place) and the entry script as written, concatenated.
 * @param {string} name
 * - settings: the run's settings (a stage with traffic services also bundles bluegreen.sh).
 * @param {{raw?: boolean, settings?: Record<string, unknown>}} [opts]
 */
export function payloadOf(name, opts = {}) {
  const extra = extraLibraries(/** @type {any} */ (name), opts.settings ?? {})
  if (opts.raw) {
    // lib.sh with its parts in place of the lines that source them (readScript), as written.
    return [readScript('lib'), ...extra.map((file) => readScript(file)), readScript(name)].join('\n')
  }
  return scriptBundle(/** @type {any} */ (name), undefined, extra)
}

/**
 * Parse the `::upsc` report lines of a script's stdout.
 * @param {string} stdout
 */
export function parseReport(stdout) {
  /** @type {{name: string, status: string, seconds?: number, text?: string}[]} */
  const steps = []
  const records = []
  const warnings = []
  let result
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('::upsc ')) continue
    const rest = line.slice('::upsc '.length)
    const [kind] = rest.split(' ', 1)
    const body = rest.slice(kind.length + 1)
    if (kind === 'step') {
      const match = /^(\S+) (start|ok|fail)(?: ([\d.]+)s)?(?: (.*))?$/.exec(body)
      if (!match) throw new Error(`bad step line: ${line}`)
      steps.push({name: match[1], status: match[2], seconds: match[3] === undefined ? undefined : Number(match[3]), text: match[4]})
    } else if (kind === 'result') {
      if (result !== undefined) throw new Error('two result lines')
      result = JSON.parse(body)
    } else if (kind === 'record') {
      records.push(JSON.parse(body))
    } else if (kind === 'warn') {
      warnings.push(body)
    } else {
      throw new Error(`unknown report line: ${line}`)
    }
  }
  return {steps, records, warnings, result}
}

/**
 * Settings object -> env entries (values stringified; undefined dropped).
 * @param {Record<string, string | number | boolean | undefined>} settings
 */
function settingsEnv(settings) {
  /** @type {Record<string, string>} */
  const env = {}
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) env[key] = String(value)
  return env
}

/**
 * Start a script on a host. The script runs in its own process group, as Run Command's does.
 * @param {{env: Record<string, string>, root: string}} host
 * @param {string} name  probe | deploy | rollback | history | lock
 * @param {Record<string, string | number | boolean | undefined>} [settings]
 * @param {{timeoutMs?: number, signal?: AbortSignal, raw?: boolean, payload?: boolean, onOutput?: (text: string) => void}} [opts]
 *   signal: when aborted, SIGTERM goes to the script's process group (as a Run Command cancel);
 *   raw: run lib.sh + entry as written instead of the CLI's bundle;
 *   payload: run the CLI's whole Run Command payload (buildPayload: settings as quoted exports, the
 *   bundle gzip+base64, decoded on the host), instead of passing settings as environment. A payload
 *   whose scripts go through the host's script cache gets them installed first, from the CLI's install
 *   commands (the loader's own behaviour is tested in script-cache.test.ts).
 */
export function startScript(host, name, settings = {}, {timeoutMs = 60_000, signal, raw = false, payload = false, onOutput} = {}) {
  const file = path.join(host.root, 'tmp', `upsc-${name}-${process.hrtime.bigint()}.sh`)
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const commands = payload ? buildPayload(/** @type {any} */ (name), settings) : undefined
  for (const install of (commands && cachedScripts(commands)?.installs) ?? []) {
    const installed = runCommandsSync(host, install)
    if (installed.status !== 0) throw new Error(`installing the host scripts failed: ${installed.stderr}`)
  }
  const program = commands ? commands.join('\n') : payloadOf(name, {raw, settings})
  fs.writeFileSync(file, program, {mode: 0o600})
  const started = Date.now()
  const child = spawn('bash', [file], {
    cwd: host.root,
    env: payload ? host.env : {...host.env, ...settingsEnv(settings)},
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => {
    stdout += chunk
    onOutput?.(String(chunk))
  })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const killGroup = (/** @type {NodeJS.Signals} */ sig) => {
    try {
      process.kill(-(/** @type {number} */ (child.pid)), sig)
    } catch {}
  }
  const timer = setTimeout(() => killGroup('SIGKILL'), timeoutMs)
  const onAbort = () => killGroup('SIGTERM')
  signal?.addEventListener('abort', onAbort, {once: true})
  const done = new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      fs.rmSync(file, {force: true})
      resolve({code, signal: exitSignal, stdout, stderr, elapsedMs: Date.now() - started, ...parseReport(stdout)})
    })
  })
  return {
    child,
    /** @type {Promise<{code: number | null, signal: string | null, stdout: string, stderr: string, elapsedMs: number, steps: any[], records: any[], warnings: string[], result: any}>} */
    done,
    /** The output so far. */
    output: () => stdout,
  }
}

/**
 * Run a script to its end.
 * @param {{env: Record<string, string>, root: string}} host
 * @param {string} name
 * @param {Record<string, string | number | boolean | undefined>} [settings]
 * @param {{timeoutMs?: number, signal?: AbortSignal, raw?: boolean, payload?: boolean}} [opts]
 */
export function runScript(host, name, settings = {}, opts = {}) {
  return startScript(host, name, settings, opts).done
}

/**
 * Run a Run Command's `commands` on a host as the agent does (joined with newlines into one file,
 * run by bash in the host's environment), to its end.
 * @param {{env: Record<string, string>, root: string}} host
 * @param {string[]} commands
 */
export function runCommandsSync(host, commands) {
  const file = path.join(host.root, 'tmp', `upsc-commands-${process.hrtime.bigint()}.sh`)
  fs.mkdirSync(path.dirname(file), {recursive: true})
  fs.writeFileSync(file, commands.join('\n'), {mode: 0o600})
  try {
    return spawnSync('bash', [file], {cwd: host.root, env: host.env, encoding: 'utf8', timeout: 60_000})
  } finally {
    fs.rmSync(file, {force: true})
  }
}
