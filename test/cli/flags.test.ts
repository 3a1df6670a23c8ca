import {describe, expect, it} from 'vitest'

import {UpscError} from '../../src/errors/upsc-error.js'
import {
  branchFlag,
  commandIdFlag,
  commitFlag,
  MAX_CONCURRENCY,
  MAX_ERRORS,
  maxConcurrencyFlag,
  maxErrorsFlag,
  regionFlag,
  rollbackTargetFlag,
  timeFlag,
  ttlFlag,
} from '../../src/cli/flags.js'

// The parse function oclif calls with the raw value.
const parse = (flag: {parse: (input: string, ...rest: never[]) => Promise<unknown>}, value: string) => flag.parse(value)
const refusal = async (flag: Parameters<typeof parse>[0], value: string) => {
  const error = await parse(flag, value).catch((e: unknown) => e)
  expect(error, value).toBeInstanceOf(UpscError)
  expect((error as UpscError).exitCode).toBe(2)
  expect((error as UpscError).hint).toBeTruthy()
  return (error as UpscError).message
}

describe('flags checked as they are parsed (exit 2, before any AWS call)', () => {
  it("--max-concurrency: 1 and up, or 1% to 100% (SendCommand's pattern)", async () => {
    for (const ok of ['1', '12', '5%', '50%', '100%']) expect(await parse(maxConcurrencyFlag(), ok)).toBe(ok)
    expect(await refusal(maxConcurrencyFlag(), '0')).toBe(
      '--max-concurrency "0" is not valid: it must be a whole number from 1, or a percentage from 1% to 100%.',
    )
    for (const bad of ['0%', '101%', '-1', '1.5', 'all', '', '12345678']) await refusal(maxConcurrencyFlag(), bad)
  })

  it('--max-errors: 0 and up, or 0% to 100%', async () => {
    for (const ok of ['0', '3', '0%', '25%', '100%']) expect(await parse(maxErrorsFlag(), ok)).toBe(ok)
    expect(await refusal(maxErrorsFlag(), 'nonsense')).toBe(
      '--max-errors "nonsense" is not valid: it must be a whole number from 0, or a percentage from 0% to 100%.',
    )
    for (const bad of ['-1', '150%', '01', '1e3', '10 %']) await refusal(maxErrorsFlag(), bad)
  })

  it("the patterns are the API reference's", () => {
    expect(MAX_CONCURRENCY.source).toBe('^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$')
    expect(MAX_ERRORS.source).toBe('^([1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$')
  })

  it('--branch: names git would take but that are not a branch are refused', async () => {
    expect(await parse(branchFlag(), 'release/2026.11')).toBe('release/2026.11')
    expect(await refusal(branchFlag(), 'HEAD')).toBe('Cannot deploy branch "HEAD": "HEAD" names a commit, not a branch.')
    for (const bad of ['@', 'refs/heads/main', 'HEAD~1', '0123456789abcdef0123456789abcdef01234567', '-x', 'a..b']) await refusal(branchFlag(), bad)
  })

  it('--ttl: a duration from 1m to 30d, as seconds', async () => {
    expect(await parse(ttlFlag(), '2h')).toBe(7200)
    expect(await parse(ttlFlag(), '1m')).toBe(60)
    expect(await parse(ttlFlag(), '30d')).toBe(2_592_000)
    expect(await refusal(ttlFlag(), 'soon')).toBe('--ttl "soon" is not a duration from 1m to 30d.')
    for (const bad of ['30s', '31d', '40d', '', '2 h']) await refusal(ttlFlag(), bad)
  })

  it('--ref, --attach/--cancel, --to, --region', async () => {
    expect(await parse(commitFlag(), '3a4f2c1')).toBe('3a4f2c1')
    await refusal(commitFlag(), 'main')
    expect(await parse(commandIdFlag(), '0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11')).toBe('0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11')
    expect(await refusal(commandIdFlag(), 'd-123')).toBe('"d-123" is not a Run Command id.')
    expect(await parse(rollbackTargetFlag(), 'd-20261128T181137-1a2b3c4d')).toBe('d-20261128T181137-1a2b3c4d')
    await refusal(rollbackTargetFlag(), '$(id)')
    for (const ok of ['eu-central-1', 'us-gov-west-1', 'ap-southeast-4']) expect(await parse(regionFlag(), ok)).toBe(ok)
    for (const bad of ['eu-central', 'EU-CENTRAL-1', 'frankfurt']) await refusal(regionFlag(), bad)
  })

  it('--since/--until: out-of-range times and nonsense', async () => {
    expect(await parse(timeFlag('--since')(), '2h30m')).toBe('2h30m')
    expect(await refusal(timeFlag('--since')(), '99999d')).toMatch(/more than 10 years ago/)
    await refusal(timeFlag('--until')(), 'tomorrow')
  })
})
