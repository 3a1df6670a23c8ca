import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {renderExitCodeTable} from '../src/render/exit-codes.js'

const root = join(import.meta.dirname, '..')
const read = (file: string) => readFileSync(join(root, file), 'utf8')
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
]

function generatedBlock(text: string, name: string): string {
  const match = new RegExp(`<!-- generated:${name} -->\\n([\\s\\S]*?)\\n<!-- /generated:${name} -->`).exec(text)
  if (!match) throw new Error(`no generated block ${name}`)
  return match[1]!
}

describe('README', () => {
  it('is at most 15 KB and leads with the two set-up commands', () => {
    const readme = read('README.md')
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(15 * 1024)
    const setUp = readme.indexOf('## Set-up: two commands')
    expect(setUp).toBeGreaterThan(0)
    expect(readme.slice(setUp)).toMatch(/^## Set-up: two commands\n[\s\S]*?npm ci && npm run demo[\s\S]*?npm ci && npm test/)
  })

  it('has a command table row for every command', () => {
    const readme = read('README.md')
    const manifest = JSON.parse(read('oclif.manifest.json')) as {commands: Record<string, unknown>}
    for (const id of Object.keys(manifest.commands)) {
      const command = id.split(':')[0]!
      expect(readme, `upsc ${command}`).toMatch(new RegExp(`^\\| \`upsc ${command}\\b`, 'm'))
    }
  })
})

describe('docs', () => {
  it('every relative link points at a file that exists', () => {
    for (const file of docs) {
      for (const [, target] of read(file).matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue
        expect(existsSync(join(root, dirname(file), target!)), `${file} -> ${target}`).toBe(true)
      }
    }
  })

  it('docs/EXIT-CODES.md holds the table rendered from exit-codes.ts (run npm run docs)', () => {
    expect(generatedBlock(read('docs/EXIT-CODES.md'), 'exit-codes')).toBe(renderExitCodeTable())
  })

  it('docs/COMMANDS.md is what oclif readme generates from the built commands (run npm run docs)', () => {
    const out = execFileSync(
      process.execPath,
      [join(root, 'node_modules/oclif/bin/run.js'), 'readme', '--readme-path', 'docs/COMMANDS.md', '--no-aliases', '--dry-run'],
      {
        cwd: root,
        env: {...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true', COLUMNS: '120'},
        encoding: 'utf8',
      },
    )
    expect(out.replace(/^replacing .*\n/, '').trimEnd()).toBe(read('docs/COMMANDS.md').trimEnd())
  })
})
