// Regenerate the files derived from the code (`npm run docs`, then commit them):
// schema/upsc.config.schema.json from the config's zod schema, and the generated parts of docs/
// between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. Tests check they are current.
import {readFileSync, writeFileSync} from 'node:fs'

import {configJsonSchema} from '../dist/lib/config-schema.js'
import {renderConfigTable} from '../dist/lib/render/config-table.js'

const SCHEMA_FILE = 'schema/upsc.config.schema.json'

/** Replace the text between a generated block's markers. */
function replaceBlock(text, name, body) {
  const start = `<!-- generated:${name} -->`
  const end = `<!-- /generated:${name} -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`markers for ${name} not found`)
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
}

writeFileSync(SCHEMA_FILE, JSON.stringify(configJsonSchema(), null, 2) + '\n')
const configDoc = 'docs/CONFIGURATION.md'
writeFileSync(configDoc, replaceBlock(readFileSync(configDoc, 'utf8'), 'config-table', renderConfigTable()))
