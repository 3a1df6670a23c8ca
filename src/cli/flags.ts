/**
 * Flags whose values are checked as they are parsed, before any config or AWS call: a bad value
 * ends the command with exit 2, what was wrong and what to pass instead. Each rule has one home
 * (refname.ts for git names, logs/time.ts for times and durations); the parsers here only apply them.
 */
import {Flags} from '@oclif/core'

import {isCommandId} from '../aws/run-command.js'
import {usageError} from '../errors/upsc-error.js'
import {parseDuration, parseTimeFlag} from '../logs/time.js'
import {branchNameProblem, commitRefProblem} from '../remote/refname.js'

/** A UsageError from a rule (`problem`), or the value itself. */
const checked =
  (problem: (value: string) => string | undefined, message: (value: string, problem: string) => string, hint: string, code: string) =>
  async (value: string) => {
    const found = problem(value)
    if (found) throw usageError(code, message(value, found), hint)
    return value
  }

export const branchFlag = Flags.custom<string>({
  parse: checked(
    branchNameProblem,
    (v, p) => `Cannot deploy branch ${JSON.stringify(v)}: ${p}.`,
    'Pass a branch name as on GitHub, e.g. --branch feature-x (for an exact commit add --ref SHA).',
    'bad-branch',
  ),
})

export const commitFlag = Flags.custom<string>({
  parse: checked(
    commitRefProblem,
    (v, p) => `Cannot deploy --ref ${JSON.stringify(v)}: ${p}.`,
    'Pass a commit id of the branch, e.g. --ref 3a4f2c1.',
    'bad-ref',
  ),
})

/**
 * Run Command's MaxConcurrency and MaxErrors, as the API reference's patterns allow them
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html): a
 * concurrency of 0 or 0% would never run anything.
 */
export const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/
export const MAX_ERRORS = /^([1-9][0-9]*|0|[1-9][0-9]%|[0-9]%|100%)$/

export const maxConcurrencyFlag = Flags.custom<string>({
  parse: checked(
    (v) => (MAX_CONCURRENCY.test(v) && v.length <= 7 ? undefined : 'it must be a whole number from 1, or a percentage from 1% to 100%'),
    (v, p) => `--max-concurrency "${v}" is not valid: ${p}.`,
    'For a rolling deploy one host at a time, leave the default (1); for all at once, 100%.',
    'bad-rate',
  ),
})

export const maxErrorsFlag = Flags.custom<string>({
  parse: checked(
    (v) => (MAX_ERRORS.test(v) && v.length <= 7 ? undefined : 'it must be a whole number from 0, or a percentage from 0% to 100%'),
    (v, p) => `--max-errors "${v}" is not valid: ${p}.`,
    'Leave the default (0: stop at the first failed host), or e.g. --max-errors 1 or 25%.',
    'bad-rate',
  ),
})

export const commandIdFlag = Flags.custom<string>({
  parse: checked(
    (v) => (isCommandId(v) ? undefined : 'it is not a Run Command id'),
    (v) => `"${v}" is not a Run Command id.`,
    'Use the id printed by `upsc deploy` (a UUID such as 0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11).',
    'bad-command-id',
  ),
})

/** --since / --until: parsed now only to refuse a bad value early; the command reads the text again. */
export const timeFlag = (flag: string) =>
  Flags.custom<string>({
    parse: async (value) => (parseTimeFlag(flag, value, Date.now()), value),
  })

/** lock acquire --ttl: a duration from 1m to 30d (the forms of --since), as seconds. */
export const ttlFlag = Flags.custom<number>({
  parse: async (value) => {
    const ms = parseDuration(value)
    if (ms === undefined || ms < 60_000 || ms > 30 * 86_400_000)
      throw usageError('bad-ttl', `--ttl ${JSON.stringify(value)} is not a duration from 1m to 30d.`, 'Use e.g. --ttl 2h, --ttl 90m or --ttl 1d.')
    return Math.round(ms / 1000)
  },
})

/** AWS region names: two letters, words, a number (eu-central-1, us-gov-west-1, cn-north-1). */
export const regionFlag = Flags.custom<string>({
  parse: checked(
    (v) => (/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(v) ? undefined : 'it is not an AWS region name'),
    (v, p) => `--region "${v}": ${p}.`,
    'Pass a region such as ap-south-1.',
    'bad-region',
  ),
})

/** rollback --to: a deployment id or a commit (prefix). */
export const rollbackTargetFlag = Flags.custom<string>({
  parse: checked(
    (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v) ? undefined : 'it is neither a deployment id nor a commit'),
    (v, p) => `--to "${v}": ${p}.`,
    'Run `upsc history` and pass a deployment id (d-...) or a commit from it.',
    'bad-rollback-target',
  ),
})
