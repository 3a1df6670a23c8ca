/**
 * Pure: settings + script names -> the `commands` of one AWS-RunShellScript Run Command.
 * The program is the settings as quoted exports, then the scripts; it travels gzip-compressed and
 * base64-encoded, and is decoded on the host into a private temp file run by bash
 * (see docs/REMOTE-CONTRACT.md).
 * When settings + scripts do not fit inline with headroom, the scripts stay on the host instead, in
 * a cache named by their sha256: the payload carries the settings and loader.sh, and
 * `scriptInstalls` builds the Run Commands that install a missing bundle in chunks (install.sh).
 */
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {gunzipSync, gzipSync} from 'node:zlib'

import {usageError} from '../errors/upsc-error.js'
import {bundleScripts, compactScript} from './bundle.js'
import {exportLine} from './quote.js'

export const ENTRY_SCRIPTS = ['probe', 'deploy', 'rollback', 'history', 'lock', 'exec', 'app', 'prune'] as const
export type ScriptName = (typeof ENTRY_SCRIPTS)[number]

/**
 * AWS documents no clear size limit for SendCommand parameters and public reports go as low as
 * 16 KB, so the whole payload must stay under this.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024
/** Room kept free under the limit: settings grow with the config (health checks, build command). */
export const HEADROOM_BYTES = 2 * 1024
/** Settings + scripts inline up to this size (one round trip); beyond it, the script cache. */
export const INLINE_BUDGET_BYTES = MAX_PAYLOAD_BYTES - HEADROOM_BYTES
/** Base64 characters of the compressed bundle per install command, well under the limit. */
export const SCRIPT_CHUNK_CHARS = 8 * 1024

type Settings = Record<string, string | number | boolean | undefined>

const scriptCache = new Map<string, string>()

/** A library part sourced by lib.sh: `. "${BASH_SOURCE[0]%/*}/lib/<part>.sh"` on a line of its own. */
const PART_LINE = /^\. "\$\{BASH_SOURCE\[0\]%\/\*\}\/(lib\/[a-z-]+)\.sh"$/gm

/**
 * A script as the host runs it: lib.sh comes with its parts (lib/*.sh) in place of the lines that
 * source them, so the bundler sees one library.
 */
export function readScript(name: string): string {
  let text = scriptCache.get(name)
  if (text === undefined) {
    text = readFileSync(new URL(`./scripts/${name}.sh`, import.meta.url), 'utf8').replace(PART_LINE, (_, part: string) => readScript(part).replace(/\n$/, ''))
    scriptCache.set(name, text)
  }
  return text
}

/** Libraries beyond lib.sh that an entry needs for these settings (bluegreen.sh only for stages with traffic services). */
export function extraLibraries(entry: ScriptName, settings: Record<string, unknown>): string[] {
  return settings.UPSC_BG_COUNT !== undefined && ['deploy', 'rollback', 'probe'].includes(entry) ? ['bluegreen'] : []
}

/** The scripts as one bash program: the reachable part of lib.sh (and extra libraries), then the entry script. */
export function scriptBundle(entry: ScriptName, read: (name: string) => string = readScript, extra: string[] = []): string {
  return bundleScripts([read('lib'), ...extra.map((name) => read(name))].join('\n'), read(entry))
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

function exportLines(settings: Settings): string {
  return Object.entries(settings)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${exportLine(k, String(v === true ? '1' : v === false ? '0' : v))}\n`)
    .join('')
}

/** The program, compressed, as the commands that decode it into a private temp file and run it. */
function encodeProgram(program: string): string[] {
  const encoded = gzipSync(program, {level: 9}).toString('base64')
  return [
    '#!/bin/bash',
    'umask 077',
    'upsc_script="$(mktemp)" || exit 70',
    `printf '%s' '${encoded}' | base64 -d | gzip -dc > "$upsc_script" || { echo 'upsc: could not decode the script payload (needs base64 and gzip)' >&2; rm -f "$upsc_script"; exit 70; }`,
    // $0 is where the agent wrote this script: .../orchestration/<command-id>/... (lib.sh reads the id).
    'UPSC_RUN_SCRIPT="$0" bash "$upsc_script"; upsc_status=$?',
    'rm -f "$upsc_script"',
    'exit "$upsc_status"',
  ]
}

export function buildPayload(entry: ScriptName, settings: Settings, read: (name: string) => string = readScript): string[] {
  // The settings travel inside the compressed program too: they compress well, and the size of
  // Run Command parameters is the limit that matters.
  const exports = exportLines(settings)
  const bundle = scriptBundle(entry, read, extraLibraries(entry, settings))
  const inline = encodeProgram(`${exports}${bundle}`)
  if (payloadBytes(inline) <= INLINE_BUDGET_BYTES) return inline
  const commands = encodeProgram(`${exports}${exportLines({UPSC_SCRIPTS_SHA: sha256(bundle)})}${compactScript(read('loader'))}\n`)
  const size = payloadBytes(commands)
  if (size > MAX_PAYLOAD_BYTES)
    throw usageError(
      'payload-too-large',
      `The ${entry} command would send ${size} bytes to the host, over the ${MAX_PAYLOAD_BYTES}-byte limit of Run Command parameters.`,
      'Shorten the longest settings (health checks, build command) in the config.',
    )
  return commands
}

/** What a cache-loader payload needs on the host: its bundle's sha256, and the Run Commands that install it. */
export interface CachedScripts {
  sha: string
  /** One Run Command's `commands` per chunk; they may run in any order, concurrently (built when first read). */
  readonly installs: string[][]
}

/**
 * Pure: the script cache a payload from `buildPayload` relies on, or undefined when its scripts
 * travel inline. The install commands carry only the payload's UPSC_HOME setting (as quoted in it)
 * and one chunk each.
 */
export function cachedScripts(commands: string[], read: (name: string) => string = readScript): CachedScripts | undefined {
  const program = decodePayload(commands)
  const loader = `${compactScript(read('loader'))}\n`
  if (!program.endsWith(loader)) return undefined
  const head = program.slice(0, -loader.length)
  const sha = /(?:^|\n)export UPSC_SCRIPTS_SHA='([0-9a-f]{64})'\n$/.exec(head)?.[1]
  if (!sha) return undefined
  // The value as quoted in the payload: single quotes, each inner quote as '\''.
  const home = /^export UPSC_HOME='(?:[^']|'\\'')*'$/m.exec(head)?.[0]
  // Finding the bundle means bundling every entry (100-180 ms): only when a host lacks it, not
  // before the command is sent.
  let installs: string[][] | undefined
  return {
    sha,
    get installs() {
      if (installs) return installs
      const bundle = ENTRY_SCRIPTS.flatMap((entry) => [scriptBundle(entry, read), scriptBundle(entry, read, ['bluegreen'])]).find((b) => sha256(b) === sha)
      if (bundle === undefined) throw new Error(`no host-script bundle has sha256 ${sha}`)
      return (installs = scriptInstalls(bundle, home ? `${home}\n` : '', read))
    },
  }
}

/** Pure: the bundle's install commands, one per chunk of its compressed form. */
export function scriptInstalls(bundle: string, homeExport: string, read: (name: string) => string = readScript): string[][] {
  const compressed = gzipSync(bundle, {level: 9}).toString('base64')
  const count = Math.ceil(compressed.length / SCRIPT_CHUNK_CHARS)
  const set = sha256(compressed).slice(0, 16)
  const install = `${compactScript(read('install'))}\n`
  return Array.from({length: count}, (_, i) => {
    const chunk = compressed.slice(i * SCRIPT_CHUNK_CHARS, (i + 1) * SCRIPT_CHUNK_CHARS)
    const settings = {UPSC_SCRIPTS_SHA: sha256(bundle), UPSC_CHUNK_SET: set, UPSC_CHUNK_INDEX: i + 1, UPSC_CHUNK_COUNT: count, UPSC_CHUNK: chunk}
    const commands = encodeProgram(`${homeExport}${exportLines(settings)}${install}`)
    if (payloadBytes(commands) > MAX_PAYLOAD_BYTES) throw new Error(`install chunk ${i + 1} is over ${MAX_PAYLOAD_BYTES} bytes`)
    return commands
  })
}

/** The `::upsc need-scripts <sha>` line loader.sh prints when its bundle is not in the cache. */
export const needScriptsLine = (sha: string) => `::upsc need-scripts ${sha}`

/** Pure, for tests and debugging: the bash program a payload runs on the host (settings + scripts). */
export function decodePayload(commands: string[]): string {
  const line = commands.find((c) => c.startsWith("printf '%s' '"))
  if (!line) throw new Error('not an upsc payload')
  const encoded = line.slice("printf '%s' '".length, line.indexOf("'", "printf '%s' '".length))
  return gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8')
}

export function payloadBytes(commands: string[]): number {
  return Buffer.byteLength(commands.join('\n'), 'utf8')
}
