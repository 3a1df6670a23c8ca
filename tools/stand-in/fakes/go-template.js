// The subset of Go templates that docker `--format` strings use in practice:
// `{{.Field}}`, `{{.A.B}}`, `{{json .}}`, `{{json .Field}}`, a leading `table `, and the
// `\t` / `\n` escapes docker itself expands. Anything else fails loudly.

/**
 * Docker trims surrounding spaces and expands the two-character escapes `\t` and `\n`
 * (real tab characters are kept as they are).
 * @param {string} format
 */
function preFormat(format) {
  return format
    .replace(/^ +| +$/g, '')
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n')
}

/**
 * Look up `.A.B` in an object. Unknown fields are an error, as they are for Go structs.
 * @param {any} data
 * @param {string} path  e.g. ".State.Health.Status" or "."
 */
function lookup(data, path) {
  if (path === '.') return data
  let value = data
  for (const part of path.slice(1).split('.')) {
    if (value === null || value === undefined || typeof value !== 'object' || !(part in value)) {
      throw new Error(`template: :1: executing "" at <${path}>: can't evaluate field ${part}`)
    }
    value = value[part]
  }
  return value
}

/**
 * Print a value the way Go's text/template would for the simple types we use.
 * @param {unknown} value
 * @returns {string}
 */
function show(value) {
  if (value === null || value === undefined) return '<no value>'
  if (Array.isArray(value)) return `[${value.map(show).join(' ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${k}:${show(v)}`)
    return `map[${entries.join(' ')}]`
  }
  return String(value)
}

/**
 * Evaluate one `{{ ... }}` action.
 * @param {string} action  the text between the braces
 * @param {any} data
 */
function evalAction(action, data) {
  const text = action.trim()
  let match = /^json\s+(\.[\w.]*)$/.exec(text)
  if (match) return JSON.stringify(lookup(data, match[1]))
  match = /^(\.[\w.]*)$/.exec(text)
  if (match) return show(lookup(data, match[1]))
  match = /^(upper|lower)\s+(\.[\w.]*)$/.exec(text)
  if (match) {
    const value = show(lookup(data, match[2]))
    return match[1] === 'upper' ? value.toUpperCase() : value.toLowerCase()
  }
  throw new Error(`fake docker: unsupported template action {{${action}}}`)
}

/**
 * Render one row.
 * @param {string} format  already pre-formatted
 * @param {any} data
 */
function renderRow(format, data) {
  return format.replace(/\{\{(.*?)\}\}/g, (_, action) => evalAction(action, data))
}

/** Column titles docker uses where they differ from the field name. */
const HEADERS = /** @type {Record<string, string>} */ ({RunningFor: 'CREATED', CreatedSince: 'CREATED', ID: 'ID'})

/**
 * Header of a `table` format: the field names in upper case, like docker's headers.
 * @param {string} format
 */
function tableHeader(format) {
  return format.replace(/\{\{(.*?)\}\}/g, (_, action) => {
    const field = /\.([\w]+)\s*$/.exec(action.trim())
    if (!field) return ''
    return HEADERS[field[1]] ?? field[1].replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()
  })
}

/**
 * Align tab-separated columns with spaces, as docker's tabwriter does for tables.
 * @param {string[]} lines
 */
function alignColumns(lines) {
  const rows = lines.map((line) => line.split('\t'))
  /** @type {number[]} */
  const widths = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd(),
  )
}

/**
 * Render a list of objects with a docker `--format` string; one output line per object.
 * `json` alone prints one JSON object per line (as `--format json` does).
 * @param {string} format
 * @param {any[]} rows
 * @returns {string}  the text to print, each line ending in a newline (empty if no rows and no header)
 */
export function renderFormat(format, rows) {
  if (format.trim() === 'json') return rows.map((row) => `${JSON.stringify(row)}\n`).join('')
  let body = preFormat(format)
  const isTable = /^table(\s|$)/.test(body)
  if (isTable) body = body.replace(/^table\s*/, '')
  const lines = rows.map((row) => renderRow(body, row))
  if (!isTable) return lines.map((line) => `${line}\n`).join('')
  return alignColumns([tableHeader(body), ...lines])
    .map((line) => `${line}\n`)
    .join('')
}
