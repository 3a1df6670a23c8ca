/**
 * Pure: the app's .env text (the stage's env parameter): read its KEY=VALUE lines, edit them keeping
 * every other line (comments, blank lines, order), and describe a change without showing values.
 */
import {usageError} from '../errors/upsc-error.js'

export interface EnvEntry {
  key: string
  value: string
}

export interface EnvChange {
  key: string
  change: 'added' | 'changed' | 'removed'
}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

export function parseEnv(text: string): EnvEntry[] {
  const entries: EnvEntry[] = []
  for (const line of text.split('\n')) {
    const m = LINE.exec(line)
    if (m && !line.trimStart().startsWith('#')) entries.push({key: m[1]!, value: m[2]!.replace(/\r$/, '')})
  }
  return entries
}

/** `KEY=VALUE` arguments -> entries; a bad key or a newline in a value is a usage error. */
export function parseAssignments(args: string[]): EnvEntry[] {
  return args.map((arg) => {
    const eq = arg.indexOf('=')
    const key = eq === -1 ? arg : arg.slice(0, eq)
    if (eq === -1 || !KEY.test(key))
      throw usageError(
        'bad-env-assignment',
        `${JSON.stringify(eq === -1 ? arg : key)} is not KEY=VALUE with a KEY of letters, digits and _.`,
        'Write e.g. upsc env set DATABASE_URL=postgres://db/app LOG_LEVEL=info',
      )
    const value = arg.slice(eq + 1)
    if (/[\r\n]/.test(value))
      throw usageError('bad-env-value', `The value of ${key} contains a line break, which a .env line cannot hold.`, 'Put it on one line.')
    return {key, value}
  })
}

export function checkKeys(keys: string[]): string[] {
  const bad = keys.find((k) => !KEY.test(k))
  if (bad !== undefined) throw usageError('bad-env-key', `${JSON.stringify(bad)} is not a variable name.`, 'Pass names such as LOG_LEVEL.')
  return keys
}

/** Set (replace in place, or append) and unset keys; other lines are kept as they are. */
export function editEnv(text: string, set: EnvEntry[], unset: string[]): string {
  const pending = new Map(set.map((e) => [e.key, e.value]))
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n')
  const out: string[] = []
  for (const line of lines) {
    const m = LINE.exec(line)
    const key = m && !line.trimStart().startsWith('#') ? m[1]! : undefined
    if (key !== undefined && unset.includes(key)) continue
    if (key !== undefined && pending.has(key)) {
      out.push(`${key}=${pending.get(key)}`)
      pending.delete(key)
      continue
    }
    out.push(line)
  }
  for (const [key, value] of pending) out.push(`${key}=${value}`)
  return out.length === 0 ? '' : `${out.join('\n')}\n`
}

/** Which keys a change adds, changes or removes (the last value of a key counts, as for compose). */
export function diffEnv(before: string, after: string): EnvChange[] {
  const a = new Map(parseEnv(before).map((e) => [e.key, e.value]))
  const b = new Map(parseEnv(after).map((e) => [e.key, e.value]))
  const changes: EnvChange[] = []
  for (const [key, value] of b)
    if (!a.has(key)) changes.push({key, change: 'added'})
    else if (a.get(key) !== value) changes.push({key, change: 'changed'})
  for (const key of a.keys()) if (!b.has(key)) changes.push({key, change: 'removed'})
  return changes
}

/** A value as shown without --reveal: never any of its characters. */
export const MASK = '********'
