// Regenerate the files derived from the code (`npm run docs`, then commit them):
// schema/upsc.config.schema.json from the config's zod schema, schema/json/*.schema.json from the
// --json documents' zod schemas (src/render/json-schemas.ts), the generated parts of docs/ between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`, and docs/COMMANDS.md (oclif readme).
// Tests check they are current.
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'

import {configJsonSchema} from '../dist/config/schema.js'
import {renderConfigTable} from '../dist/render/config-table.js'
import {renderExitCodeTable} from '../dist/render/exit-codes.js'
import {JSON_DOCUMENTS, jsonDocumentSchema, renderJsonSchemaTable} from '../dist/render/json-schemas.js'

const SCHEMA_FILE = 'schema/upsc.config.schema.json'
const JSON_SCHEMA_DIR = 'schema/json'

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
mkdirSync(JSON_SCHEMA_DIR, {recursive: true})
for (const file of readdirSync(JSON_SCHEMA_DIR)) rmSync(`${JSON_SCHEMA_DIR}/${file}`)
for (const name of Object.keys(JSON_DOCUMENTS))
  writeFileSync(`${JSON_SCHEMA_DIR}/${name}.schema.json`, JSON.stringify(jsonDocumentSchema(name), null, 2) + '\n')
const blocks = [
  ['docs/CONFIGURATION.md', 'config-table', renderConfigTable()],
  ['docs/EXIT-CODES.md', 'exit-codes', renderExitCodeTable()],
  ['docs/JSON.md', 'json-schemas', renderJsonSchemaTable()],
]
for (const [file, name, body] of blocks) writeFileSync(file, replaceBlock(readFileSync(file, 'utf8'), name, body))

// docs/COMMANDS.md: oclif's own readme generator, from the built commands (a fixed width: it follows COLUMNS).
execFileSync(process.execPath, ['node_modules/oclif/bin/run.js', 'readme', '--readme-path', 'docs/COMMANDS.md', '--no-aliases'], {
  env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true', COLUMNS: '120'},
  stdio: 'ignore',
})
