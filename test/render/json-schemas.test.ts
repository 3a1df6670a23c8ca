import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {errorJson, JSON_DOCUMENTS, type JsonDocumentName, jsonDocumentSchema, renderJsonSchemaTable} from '../../src/render/json-schemas.js'

const root = join(import.meta.dirname, '../..')
const names = Object.keys(JSON_DOCUMENTS) as JsonDocumentName[]

describe('the --json schemas', () => {
  it('schema/json holds exactly the JSON Schemas generated from them (run npm run docs)', () => {
    expect(readdirSync(join(root, 'schema/json')).sort()).toEqual(names.map((n) => `${n}.schema.json`).sort())
    for (const name of names) {
      expect(readFileSync(join(root, 'schema/json', `${name}.schema.json`), 'utf8'), name).toBe(`${JSON.stringify(jsonDocumentSchema(name), null, 2)}\n`)
    }
  })

  it('docs/JSON.md lists every document with its schema file (run npm run docs)', () => {
    const doc = readFileSync(join(root, 'docs/JSON.md'), 'utf8')
    const block = /<!-- generated:json-schemas -->\n([\s\S]*?)\n<!-- \/generated:json-schemas -->/.exec(doc)?.[1]
    expect(block).toBe(renderJsonSchemaTable())
    for (const name of names) expect(block).toContain(`(../schema/json/${name}.schema.json)`)
  })

  it('objects the CLI builds are closed: an unknown key fails', () => {
    const error = {error: {code: 'bad-branch', message: 'Cannot deploy branch "a..b".', exitCode: 2}}
    expect(errorJson.parse(error)).toEqual(error)
    expect(errorJson.safeParse({error: {...error.error, stack: 'at ...'}}).success).toBe(false)
    expect(jsonDocumentSchema('error')).toMatchObject({title: 'upsc <any command> --json', additionalProperties: false, required: ['error']})
  })
})
