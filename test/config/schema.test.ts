import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'
import {z} from 'zod'

import {configJsonSchema, formatPath, validateConfig} from '../../src/config/schema.js'
import {compactJson, renderConfigTable} from '../../src/render/config-table.js'
import {starterConfig} from '../../src/config/starter.js'

const root = join(import.meta.dirname, '..', '..')
const committedSchema = JSON.parse(readFileSync(join(root, 'schema', 'upsc.config.schema.json'), 'utf8'))
const fromJsonSchema = z.fromJSONSchema(committedSchema)

function generatedBlock(text: string, name: string): string {
  const match = new RegExp(`<!-- generated:${name} -->\\n([\\s\\S]*?)\\n<!-- /generated:${name} -->`).exec(text)
  if (!match) throw new Error(`no generated block ${name}`)
  return match[1]!
}

/** Every ```json block in the README and docs/ that is a config file (has "stages"). */
function docExamples(): Array<{file: string; doc: unknown}> {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ]
  return files.flatMap((file) =>
    [...readFileSync(join(root, file), 'utf8').matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((block) => /"stages"\s*:/.test(block))
      .map((block) => ({file, doc: JSON.parse(block)})),
  )
}

describe('the JSON Schema', () => {
  it('committed in schema/ is the one generated from the zod schema (run scripts/render-docs.js)', () => {
    expect(committedSchema).toEqual(JSON.parse(JSON.stringify(configJsonSchema())))
  })

  it('rejects what the validator rejects: unknown keys, a bad region, a missing stages', () => {
    expect(fromJsonSchema.safeParse({stages: {s: {regoin: 'ap-south-1'}}}).success).toBe(false)
    expect(fromJsonSchema.safeParse({stages: {s: {region: 'Mumbai'}}}).success).toBe(false)
    expect(fromJsonSchema.safeParse({defaultStage: 's'}).success).toBe(false)
    expect(fromJsonSchema.safeParse({stages: {s: {region: 'ap-south-1', keepImages: 3}}}).success).toBe(true)
  })

  it('accepts every config example in the README and docs/, as the validator does', () => {
    const examples = docExamples()
    expect(examples.length).toBeGreaterThan(0)
    for (const {file, doc} of examples) {
      expect(validateConfig(doc), file).toMatchObject({ok: true})
      expect(fromJsonSchema.safeParse(doc).success, file).toBe(true)
    }
  })

  it('accepts the starter config init writes', () => {
    const text = starterConfig({stage: 'stage2', region: 'ap-south-1', nameTag: 'upscpro-stage2-docker', schema: './schema.json'})
    expect(fromJsonSchema.safeParse(JSON.parse(text)).success).toBe(true)
  })
})

describe('docs/CONFIGURATION.md', () => {
  it('holds the key table rendered from the schema (run scripts/render-docs.js)', () => {
    const doc = readFileSync(join(root, 'docs', 'CONFIGURATION.md'), 'utf8')
    expect(generatedBlock(doc, 'config-table')).toBe(renderConfigTable())
  })

  it('describes every stage key', () => {
    for (const line of renderConfigTable()
      .split('\n')
      .filter((l) => l.startsWith('| `')))
      expect(line).not.toMatch(/\|\s*\|$/)
  })
})

describe('validation messages', () => {
  const problems = (doc: unknown) => {
    const result = validateConfig(doc)
    return result.ok ? [] : result.problems
  }

  it('writes key paths from the root, with list indexes', () => {
    expect(formatPath(['stages', 'stage2', 'healthChecks', 0, 'url'])).toBe('stages.stage2.healthChecks[0].url')
    expect(formatPath([])).toBe('(root)')
  })

  it('names a bad stage name, a missing section, a wrong type and an unknown key at any depth', () => {
    expect(problems({stages: {'bad name': {}}})).toEqual([{path: 'stages.bad name', expected: 'a stage name of letters, digits, _ and - (at most 64)'}])
    expect(problems({})).toEqual([{path: 'stages', expected: 'to be set (required)'}])
    expect(problems([])).toEqual([{path: '(root)', expected: 'an object'}])
    expect(problems({stages: {}})).toEqual([{path: 'stages', expected: 'at least one stage'}])
    expect(problems({stages: {s: {timeouts: {healthSecs: 5}, notify: {onSuccess: 'yes'}, buildCommand: []}}})).toEqual([
      {path: 'stages.s.buildCommand', expected: 'a list with at least 1 item(s)'},
      {
        path: 'stages.s.timeouts.healthSecs',
        expected: 'unknown key: the known keys here are dockerReadySeconds, healthSeconds, commandSeconds, deliverySeconds, cancelSeconds',
      },
      {path: 'stages.s.notify.onSuccess', expected: 'true or false'},
    ])
  })

  it('reports one problem per failed expectation (an empty string is not reported twice)', () => {
    expect(problems({stages: {s: {region: ''}}})).toEqual([{path: 'stages.s.region', expected: 'an AWS region such as ap-south-1'}])
  })
})

describe('compactJson', () => {
  it('writes JSON on one line, spaced', () => {
    expect(compactJson({a: [1, 'x'], b: {c: true}})).toBe('{"a": [1, "x"], "b": {"c": true}}')
  })
})
