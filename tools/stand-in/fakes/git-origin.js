// The fake origin's gatekeeper, called by fake-bin/git before each network operation.
// Exit 0 = let the real git proceed; otherwise print git's own error and exit 128.
//
// FAKE_ORIGIN_STATE (JSON): {failFetches: N, failure: 'network'|'auth'|'stall', requiredToken?: string}
//   - while failFetches > 0: decrement it and fail with `failure` (999 = origin always down);
//     'stall': the connection opens but no byte comes. As curl does, git then waits forever, unless
//     both http.lowSpeedLimit and http.lowSpeedTime are set (`-c`, or GIT_HTTP_LOW_SPEED_LIMIT /
//     GIT_HTTP_LOW_SPEED_TIME): after lowSpeedTime seconds it fails with curl's "Operation too slow";
//   - then, if requiredToken is set: succeed only if the token arrives as the scripts send it,
//     through git config in the environment (GIT_CONFIG_COUNT / GIT_CONFIG_KEY_<n> /
//     GIT_CONFIG_VALUE_<n>), key http.extraHeader, value
//     "Authorization: Basic base64(x-access-token:<token>)".
// Every attempt is appended to <state>.log.jsonl as {at, op, result, tokenSent} (never the token).
import fs from 'node:fs'
import {pathToFileURL} from 'node:url'
import {readJson, withFileLock, writeJson} from '../util.js'

export const ORIGIN_URL = 'https://github.com/upscpro/upscapp-be.git'

const MESSAGES = {
  network: `fatal: unable to access '${ORIGIN_URL}/': Could not resolve host: github.com\n`,
  auth: `remote: Invalid username or password.\nfatal: Authentication failed for '${ORIGIN_URL}/'\n`,
}

/**
 * The http.extraHeader values passed through environment git config.
 * @param {NodeJS.ProcessEnv} env
 */
export function extraHeadersFromEnv(env) {
  const count = Number(env.GIT_CONFIG_COUNT ?? 0)
  const headers = []
  for (let i = 0; i < count; i++) {
    const key = (env[`GIT_CONFIG_KEY_${i}`] ?? '').toLowerCase()
    // "http.extraheader", or the URL-scoped form "http.<url>.extraheader".
    if (key === 'http.extraheader' || (key.startsWith('http.') && key.endsWith('.extraheader'))) {
      headers.push(env[`GIT_CONFIG_VALUE_${i}`] ?? '')
    }
  }
  return headers
}

/**
 * The token carried by an "Authorization: Basic ..." header for user x-access-token.
 * @param {string} header
 */
export function tokenFromHeader(header) {
  const match = /^authorization:\s*basic\s+(\S+)\s*$/i.exec(header)
  if (!match) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  return decoded.startsWith('x-access-token:') ? decoded.slice('x-access-token:'.length) : undefined
}

/**
 * Decide the outcome of one network operation, updating the state file.
 * @param {string} stateFile
 * @param {NodeJS.ProcessEnv} env
 * @returns {'ok' | 'network' | 'auth'}
 */
export function decide(stateFile, env) {
  return withFileLock(stateFile, () => {
    /** @type {{failFetches: number, failure: string, requiredToken?: string}} */
    const state = readJson(stateFile, {failFetches: 0, failure: 'network'})
    if (state.failFetches > 0) {
      state.failFetches -= 1
      writeJson(stateFile, state)
      return state.failure === 'auth' || state.failure === 'stall' ? state.failure : 'network'
    }
    if (state.requiredToken) {
      const tokens = extraHeadersFromEnv(env).map(tokenFromHeader)
      if (!tokens.includes(state.requiredToken)) return 'auth'
    }
    return 'ok'
  })
}

/**
 * http.lowSpeedLimit / http.lowSpeedTime as git would see them: the environment, else `-c` options.
 * @param {string[]} args  git's arguments
 * @param {NodeJS.ProcessEnv} env
 */
export function lowSpeedSettings(args, env) {
  const fromArgs = (/** @type {string} */ key) => {
    let value
    for (let i = 0; i < args.length - 1; i++) {
      if (args[i] !== '-c') continue
      const [k, v] = args[i + 1].split(/=(.*)/s)
      if (k.toLowerCase() === key) value = v
    }
    return value
  }
  // As git's http.c: the environment overrides the config.
  const limit = Number(env.GIT_HTTP_LOW_SPEED_LIMIT ?? fromArgs('http.lowspeedlimit') ?? 0)
  const time = Number(env.GIT_HTTP_LOW_SPEED_TIME ?? fromArgs('http.lowspeedtime') ?? 0)
  return limit > 0 && time > 0 ? {limit, time} : undefined
}

/** @param {string} op @param {string[]} args */
function main(op, args) {
  const stateFile = /** @type {string} */ (process.env.FAKE_ORIGIN_STATE)
  const result = decide(stateFile, process.env)
  if (result === 'stall') {
    fs.appendFileSync(`${stateFile}.log.jsonl`, `${JSON.stringify({at: new Date().toISOString(), op, result, tokenSent: false})}\n`)
    const low = lowSpeedSettings(args, process.env)
    // No low-speed limit: nothing ever ends the transfer (a hung fetch).
    if (!low) return new Promise(() => setInterval(() => {}, 1 << 30))
    return new Promise((resolve) =>
      setTimeout(() => {
        process.stderr.write(
          `fatal: unable to access '${ORIGIN_URL}/': Operation too slow. Less than ${low.limit} bytes/sec transferred the last ${low.time} seconds\n`,
        )
        resolve(128)
      }, low.time * 1000),
    )
  }
  const tokenSent = extraHeadersFromEnv(process.env).some((header) => tokenFromHeader(header) !== undefined)
  fs.appendFileSync(`${stateFile}.log.jsonl`, `${JSON.stringify({at: new Date().toISOString(), op, result, tokenSent})}\n`)
  if (result === 'ok') return 0
  if (op === 'clone') process.stderr.write(`Cloning into 'upscapp-be'...\n`)
  process.stderr.write(MESSAGES[result])
  return 128
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  Promise.resolve(main(process.argv[2] ?? 'fetch', process.argv.slice(3))).then((code) => (process.exitCode = code))
}
