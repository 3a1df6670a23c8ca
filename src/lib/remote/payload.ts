/**
 * Pure: settings + script names -> the `commands` of one AWS-RunShellScript Run Command.
 * The program is the settings as quoted exports, then the scripts; it travels gzip-compressed and
 * base64-encoded, and is decoded on the host into a private temp file run by bash
 * (see docs/REMOTE-CONTRACT.md).
 */
import {readFileSync} from 'node:fs'
import {gunzipSync, gzipSync} from 'node:zlib'

import {usageError} from '../errors.js'
import {bundleScripts} from './bundle.js'
import {exportLine} from './quote.js'

export type ScriptName = 'probe' | 'deploy' | 'rollback' | 'history' | 'lock' | 'exec' | 'app' | 'prune'

/**
 * AWS documents no clear size limit for SendCommand parameters and public reports go as low as
 * 16 KB, so the whole payload must stay under this.
 */
export const MAX_PAYLOAD_BYTES = 16 * 1024

const scriptCache = new Map<string, string>()

export function readScript(name: string): string {
  let text = scriptCache.get(name)
  if (text === undefined) {
    text = readFileSync(new URL(`./scripts/${name}.sh`, import.meta.url), 'utf8')
    scriptCache.set(name, text)
  }
  return text
}

/** The scripts as one bash program: the reachable part of lib.sh, then the entry script. */
export function scriptBundle(entry: ScriptName, read: (name: string) => string = readScript): string {
  return bundleScripts(read('lib'), read(entry))
}

export function buildPayload(entry: ScriptName, settings: Record<string, string | number | boolean | undefined>, read?: (name: string) => string): string[] {
  const exports = Object.entries(settings)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => exportLine(k, String(v === true ? '1' : v === false ? '0' : v)))
  // The settings travel inside the compressed program too: they compress well, and the size of
  // Run Command parameters is the limit that matters.
  const program = `${exports.join('\n')}\n${scriptBundle(entry, read)}`
  const encoded = gzipSync(program, {level: 9}).toString('base64')
  const commands = [
    '#!/bin/bash',
    'umask 077',
    'upsc_script="$(mktemp)" || exit 70',
    `printf '%s' '${encoded}' | base64 -d | gzip -dc > "$upsc_script" || { echo 'upsc: could not decode the script payload (needs base64 and gzip)' >&2; rm -f "$upsc_script"; exit 70; }`,
    'bash "$upsc_script"; upsc_status=$?',
    'rm -f "$upsc_script"',
    'exit "$upsc_status"',
  ]
  const size = payloadBytes(commands)
  if (size > MAX_PAYLOAD_BYTES)
    throw usageError('payload-too-large', `The ${entry} command would send ${size} bytes to the host, over the ${MAX_PAYLOAD_BYTES}-byte limit of Run Command parameters.`, 'Shorten the longest settings (health checks, build command) in the config.')
  return commands
}

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
