import {describe, expect, it} from 'vitest'

import {hostResult} from '../../src/lib/ops/host-result.js'
import {missingScriptsOf} from '../../src/lib/ops/remote-run.js'
import {needScriptsLine} from '../../src/lib/remote/payload.js'
import {parseReport} from '../../src/lib/remote/report.js'

const sha = 'c0ffee'.repeat(10) + 'c0ff'

describe('missing cached scripts', () => {
  it("reads the loader's need-scripts line, and nothing else", () => {
    expect(missingScriptsOf(parseReport(`${needScriptsLine(sha)}\n`))).toBe(sha)
    expect(missingScriptsOf(parseReport('::upsc step lock start\n::upsc result {}\n'))).toBeUndefined()
    expect(missingScriptsOf(parseReport(`${needScriptsLine('not-a-sha')}\n`))).toBeUndefined()
    expect(missingScriptsOf(parseReport(`echo ${needScriptsLine(sha)}\n`))).toBeUndefined()
  })

  it('a host that ran nothing for lack of its scripts is a failure with a reason, though the loader exited 0', () => {
    const report = parseReport(`${needScriptsLine(sha)}\n`)
    const result = hostResult({
      instanceId: 'i-0aaaaaaaaaaaaaaaa',
      invocation: {instanceId: 'i-0aaaaaaaaaaaaaaaa', status: 'Success', outcome: 'failed', responseCode: 1, stdout: `${needScriptsLine(sha)}\n`, stderr: '', stdoutTruncated: false},
      report: {...report, warnings: ['could not install the host scripts: upsc: cannot install host scripts in /opt/upscpro/.upsc/scripts: cannot write chunk 2']},
      outputSource: 'invocation',
      missingScripts: sha,
    })
    expect(result).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      reason: 'the host scripts were missing from its script cache: nothing ran there (see the warnings)',
      warnings: ['could not install the host scripts: upsc: cannot install host scripts in /opt/upscpro/.upsc/scripts: cannot write chunk 2'],
    })
  })
})
