// The error document every command prints with --json when it fails (schema/json/error.schema.json),
// from the built CLI. The other documents are checked where their commands run (docs/JSON.md).
import {describe, expect, it} from 'vitest'

import {jsonDocument, runCli, writeConfig} from './harness.js'

describe('--json on failure', () => {
  it('a flag that fails its check: the error document with code, hint and exit code 2, nothing else on stdout', async () => {
    const cwd = writeConfig()
    const {code, stdout, stderr} = await runCli(['deploy', '--branch', 'a..b', '--json'], {cwd, env: {}})
    expect(code).toBe(2)
    expect(stderr).toBe('')
    expect(jsonDocument('error', stdout)).toMatchObject({error: {code: 'bad-branch', exitCode: 2, hint: expect.stringContaining('--branch')}})
  })

  it('a config error, from a command with a different document', async () => {
    const cwd = writeConfig()
    const {code, stdout} = await runCli(['lock', 'status', '--stage', 'nope', '--json'], {cwd, env: {}})
    expect(code).toBe(2)
    expect(jsonDocument('error', stdout)).toMatchObject({error: {code: 'stage-unknown', message: expect.stringContaining('"nope"'), exitCode: 2}})
  })
})
