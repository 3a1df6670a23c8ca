/**
 * Pure: fill the bootstrap's templates (src/bootstrap/templates/) and escape a result for
 * Terraform's templatefile().
 *
 * Markers in the templates:
 * - `@@NAME@@`: a raw value (only in comments, unit files and JSON, where the value is checked);
 * - `@@Q:NAME@@`: the value as one single-quoted shell word (shellQuote);
 * - a line that is exactly `@@FILE:name@@`: a whole file, inside a quoted heredoc;
 * - `@@TF:name@@`: a templatefile() variable, written `${name}` (everything else escaped).
 */
import {readFileSync} from 'node:fs'

import {shellQuote} from '../remote/quote.js'

const cache = new Map<string, string>()

/** A template file, relative to templates/ (copied next to the compiled code by the build). */
export function readTemplate(path: string): string {
  let text = cache.get(path)
  if (text === undefined) {
    text = readFileSync(new URL(`./templates/${path}`, import.meta.url), 'utf8')
    cache.set(path, text)
  }
  return text
}

/** The delimiter of the heredocs that embed files in the user-data. */
export const HEREDOC_END = 'UPSC_END_OF_FILE'

export interface Fill {
  values?: Record<string, string>
  files?: Record<string, string>
  /** Render a Terraform templatefile() template: everything escaped, these `@@TF:name@@` as `${name}`. */
  templatefile?: readonly string[]
}

const MARKER = /^@@FILE:([\w.-]+)@@$|@@(Q:)?([A-Z][A-Z0-9_]*)@@|@@TF:([a-z_]+)@@/gm

/**
 * Replace every marker, in one pass (what a value or a file brings is never read as a marker). An
 * unknown, missing or unused name is a bug, so it throws.
 */
export function fillTemplate(template: string, {values = {}, files = {}, templatefile}: Fill): string {
  const used = new Set<string>()
  const escapeText = templatefile ? escapeTemplatefile : (text: string) => text
  const replace = (file: string | undefined, quoted: string | undefined, value: string | undefined, variable: string | undefined): string => {
    if (file !== undefined) {
      const text = files[file]
      if (text === undefined) throw new Error(`template: no file ${file}`)
      // A line equal to the delimiter would end the heredoc early.
      if (text.split('\n').includes(HEREDOC_END)) throw new Error(`template: file ${file} contains a line ${HEREDOC_END}`)
      used.add(`FILE:${file}`)
      return escapeText(text.endsWith('\n') ? text.slice(0, -1) : text)
    }
    if (value !== undefined) {
      const text = values[value]
      if (text === undefined) throw new Error(`template: no value for ${value}`)
      used.add(value)
      return escapeText(quoted ? shellQuote(text) : text)
    }
    if (!templatefile?.includes(variable!)) throw new Error(`template: unknown templatefile variable ${variable}`)
    used.add(`TF:${variable}`)
    return '${' + variable + '}'
  }
  let out = ''
  let last = 0
  for (const m of template.matchAll(MARKER)) {
    out += escapeText(template.slice(last, m.index)) + replace(m[1], m[2], m[3], m[4])
    last = m.index + m[0].length
  }
  out += escapeText(template.slice(last))
  const given = [...Object.keys(values), ...Object.keys(files).map((f) => `FILE:${f}`), ...(templatefile ?? []).map((v) => `TF:${v}`)]
  for (const name of given) if (!used.has(name)) throw new Error(`template: ${name} is given but not used`)
  return out
}

/**
 * Terraform's templatefile() reads `${...}` and `%{...}` as template sequences: every literal one
 * is written `$${` / `%%{`. A lone `$` or `%` stays literal, so this is exact for any text.
 */
export function escapeTemplatefile(text: string): string {
  return text.replaceAll('${', () => '$${').replaceAll('%{', () => '%%{')
}
