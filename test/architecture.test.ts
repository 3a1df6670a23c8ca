// The layer rules of docs/ARCHITECTURE.md (.dependency-cruiser.cjs), and `.send()` only in src/aws/.
import {execFile} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {describe, expect, it} from 'vitest'

const root = join(import.meta.dirname, '..')
const CRUISE = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')
const CONFIG = join(root, '.dependency-cruiser.cjs')

interface Violation {
  rule: {name: string}
  from: string
  to: string
  cycle?: {name: string}[]
}

/** Cruise `src` under `dir` with the project's rules: one line per violation, sorted. */
async function violations(dir: string): Promise<string[]> {
  const {stdout} = await promisify(execFile)(process.execPath, [CRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  })
  const result = JSON.parse(stdout) as {summary: {violations: Violation[]; totalCruised: number}}
  expect(result.summary.totalCruised).toBeGreaterThan(0)
  return result.summary.violations
    .map((v) => `${v.rule.name}: ${v.from} -> ${v.cycle ? v.cycle.map((c) => c.name).join(' -> ') : v.to.replace(/^(\.\.\/)+/, '')}`)
    .sort()
}

// Cruising parses every module with TypeScript: slow on a busy machine.
describe('layers', {timeout: 180_000}, () => {
  it('every rule fires on the fixture tree that breaks it, and only there', async () => {
    expect(await violations(join(root, 'test/fixtures/layers'))).toEqual([
      'domain-imports-only-below: src/status/check.ts -> src/ops/op.ts',
      'no-cycles: src/util/a.ts -> src/util/b.ts -> src/util/a.ts',
      'oclif-only-in-cli: src/ops/op.ts -> @oclif/core',
      'ops-imports-only-below: src/ops/op.ts -> src/cli/base.ts',
      'render-imports-ops-types-only: src/render/op.ts -> src/ops/op.ts',
      'render-is-pure: src/render/op.ts -> src/aws/region.ts',
      'sdk-only-in-aws: src/status/check.ts -> node_modules/@aws-sdk/client-ec2/dist-cjs/index.js',
    ])
  })

  it('src/ imports only along the arrows of docs/ARCHITECTURE.md', async () => {
    const found = await violations(root)
    expect(found, `run npx depcruise src:\n${found.join('\n')}`).toEqual([])
  })
})

describe('.send()', () => {
  it('appears only in src/aws/', () => {
    const files = readdirSync(join(root, 'src'), {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(100)
    const found = files
      .filter((f) => !f.startsWith('aws/'))
      .flatMap((f) =>
        readFileSync(join(root, 'src', f), 'utf8')
          .split('\n')
          .flatMap((line, i) => (/\.send\(/.test(line) ? [`src/${f}:${i + 1}: ${line.trim()}`] : [])),
      )
    expect(found, found.join('\n')).toEqual([])
  })
})

describe('commands/', () => {
  it('are thin: 60 lines or fewer (help, flags from cli/, one call, render)', () => {
    const files = readdirSync(join(root, 'src/commands'), {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts'))
    expect(files.length).toBeGreaterThan(20)
    const long = files.flatMap((f) => {
      const lines = readFileSync(join(root, 'src/commands', f), 'utf8')
        .trimEnd()
        .split('\n').length
      return lines > 60 ? [`src/commands/${f}: ${lines} lines`] : []
    })
    expect(long, long.join('\n')).toEqual([])
  })
})
