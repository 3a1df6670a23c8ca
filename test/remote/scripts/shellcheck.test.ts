// Every remote script is shellcheck-clean (CI installs shellcheck; without it the test is skipped
// with a message saying so).
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {readScript} from '../../../src/remote/payload.ts'
import {payloadOf, SCRIPTS_DIR} from './run-script.ts'

const available = spawnSync('shellcheck', ['--version']).status === 0
const scripts = fs
  .readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.sh'))
  .sort()
// lib.sh's parts, one per section; each is linted on its own too.
const parts = fs
  .readdirSync(`${SCRIPTS_DIR}/lib`)
  .filter((f) => f.endsWith('.sh'))
  .sort()
  .map((f) => `lib/${f}`)

describe('remote scripts', () => {
  it('include the library and the deploy, rollback, probe, history and lock entry scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['deploy.sh', 'history.sh', 'lib.sh', 'lock.sh', 'probe.sh', 'rollback.sh']))
  })

  it('source every part of the library from lib.sh, once each, so that the bundle has them all', () => {
    const sourced = [...fs.readFileSync(`${SCRIPTS_DIR}/lib.sh`, 'utf8').matchAll(/^\. "\$\{BASH_SOURCE\[0\]%\/\*\}\/(lib\/[a-z-]+\.sh)"$/gm)].map((m) => m[1])
    expect(parts.length).toBeGreaterThan(10)
    expect([...sourced].sort()).toEqual(parts)
    // The bundler sees one library: every function of every part, none of lib.sh's `.` lines.
    const library = readScript('lib')
    expect(library).not.toMatch(/BASH_SOURCE/)
    for (const part of parts)
      for (const [, name] of fs.readFileSync(`${SCRIPTS_DIR}/${part}`, 'utf8').matchAll(/^([A-Za-z_]\w*)\(\) \{/gm))
        expect(library, `${part}: ${name}`).toMatch(new RegExp(`^${name}\\(\\) \\{`, 'm'))
  })

  it.skipIf(!available)(
    'pass shellcheck, each file and part alone (with lib.sh followed from each entry script) (needs shellcheck; .ci/run installs it)',
    () => {
      const result = spawnSync('shellcheck', ['-x', '--severity=style', ...scripts, ...parts], {cwd: SCRIPTS_DIR, encoding: 'utf8'})
      expect(result.stdout + result.stderr).toBe('')
      expect(result.status).toBe(0)
    },
    600_000,
  )

  it('parse with bash -n: alone, with lib.sh as written, and as the CLI bundles them', () => {
    for (const script of [...scripts, ...parts]) {
      const alone = spawnSync('bash', ['-n', script], {cwd: SCRIPTS_DIR, encoding: 'utf8'})
      expect(alone.stderr, script).toBe('')
      if (script === 'lib.sh' || script.startsWith('lib/')) continue
      for (const raw of [true, false]) {
        const sent = spawnSync('bash', ['-n'], {input: payloadOf(script.replace(/\.sh$/, ''), {raw}), encoding: 'utf8'})
        expect(sent.stderr, `lib.sh + ${script} (${raw ? 'as written' : 'bundled'})`).toBe('')
      }
    }
  })
})
