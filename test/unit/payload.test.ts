import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {buildPayload, MAX_PAYLOAD_BYTES, payloadBytes, type ScriptName} from '../../src/lib/remote/payload.js'

const fakeScripts = (entry: string) => (name: string) => (name === 'lib' ? 'say() { printf "%s\\n" "$1"; }' : entry)

function runPayload(commands: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'upsc-payload-'))
  const file = join(dir, 'script.sh')
  // The SSM agent joins the commands with newlines into one script.
  writeFileSync(file, commands.join('\n'))
  return execFileSync('bash', [file], {encoding: 'utf8', cwd: dir})
}

describe('buildPayload', () => {
  it('exports settings, then runs lib.sh and the entry script decoded on the host', () => {
    const commands = buildPayload('probe', {UPSC_BRANCH: "it's $(id)", UPSC_COUNT: 3, UPSC_FLAG: true, UPSC_SKIP: undefined}, fakeScripts('say "$UPSC_BRANCH|$UPSC_COUNT|$UPSC_FLAG|${UPSC_SKIP-unset}"'))
    expect(commands).toContain("export UPSC_BRANCH='it'\\''s $(id)'")
    expect(commands.some((c) => c.includes('UPSC_SKIP'))).toBe(false)
    expect(runPayload(commands)).toBe("it's $(id)|3|1|unset\n")
  })

  it('passes the script exit code through', () => {
    const commands = buildPayload('deploy', {}, fakeScripts('exit 5'))
    expect(() => runPayload(commands)).toThrow(expect.objectContaining({status: 5}))
  })

  it('keeps every real script payload under the size limit', () => {
    // Measures the largest payload the CLI sends, with real scripts and generous settings.
    const settings = Object.fromEntries(Array.from({length: 40}, (_, i) => [`UPSC_HC_${i}_URL`, `http://localhost:8000/health/${'x'.repeat(40)}`]))
    const sizes: Record<string, number> = {}
    for (const name of ['probe', 'deploy', 'rollback', 'history', 'lock'] as ScriptName[]) {
      try {
        sizes[name] = payloadBytes(buildPayload(name, settings))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw error
      }
    }
    expect(Object.keys(sizes)).toContain('probe')
    for (const [name, size] of Object.entries(sizes)) expect(size, name).toBeLessThan(MAX_PAYLOAD_BYTES)
  })

  it('refuses a payload over the limit with a clear error', () => {
    const huge = 'x'.repeat(MAX_PAYLOAD_BYTES)
    expect(() => buildPayload('probe', {UPSC_X: huge}, fakeScripts('true'))).toThrow(/over the 16384-byte limit/)
  })
})
