// Every remote script is shellcheck-clean (CI installs shellcheck; without it the test is skipped
// with a message saying so).
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {payloadOf, SCRIPTS_DIR} from './run-script.ts'

const available = spawnSync('shellcheck', ['--version']).status === 0
const scripts = fs
  .readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.sh'))
  .sort()

describe('remote scripts', () => {
  it('include the library and the deploy, rollback, probe, history and lock entry scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['deploy.sh', 'history.sh', 'lib.sh', 'lock.sh', 'probe.sh', 'rollback.sh']))
  })

  it.skipIf(!available)(
    'pass shellcheck (with lib.sh followed from each entry script) (needs shellcheck; .ci/run installs it)',
    () => {
      const result = spawnSync('shellcheck', ['-x', '--severity=style', ...scripts], {cwd: SCRIPTS_DIR, encoding: 'utf8'})
      expect(result.stdout + result.stderr).toBe('')
      expect(result.status).toBe(0)
    },
    120_000,
  )

  it('parse with bash -n: alone, with lib.sh as written, and as the CLI bundles them', () => {
    for (const script of scripts) {
      const alone = spawnSync('bash', ['-n', script], {cwd: SCRIPTS_DIR, encoding: 'utf8'})
      expect(alone.stderr, script).toBe('')
      if (script === 'lib.sh') continue
      for (const raw of [true, false]) {
        const sent = spawnSync('bash', ['-n'], {input: payloadOf(script.replace(/\.sh$/, ''), {raw}), encoding: 'utf8'})
        expect(sent.stderr, `lib.sh + ${script} (${raw ? 'as written' : 'bundled'})`).toBe('')
      }
    }
  })
})
