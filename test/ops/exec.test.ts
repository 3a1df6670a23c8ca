import {randomBytes} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import type {InvocationResult} from '../../src/outcome/invocation.js'
import {UpscError} from '../../src/errors/upsc-error.js'
import {
  checkExecInput,
  commandStdout,
  type ExecHostResult,
  type ExecResult,
  execExitCode,
  execHostResult,
  execPayload,
  execSettings,
} from '../../src/ops/exec.js'
import type {InstanceRun} from '../../src/outcome/invocation.js'
import {ExecOutput, lineText, renderExecSummary} from '../../src/render/exec.js'
import {MAX_PAYLOAD_BYTES, payloadBytes} from '../../src/remote/payload.js'
import {parseReportLine} from '../../src/remote/report-lines.js'

process.env.NO_COLOR = '1'

function run(inv: Partial<InvocationResult>, outputSource: InstanceRun['outputSource'] = 'cloudwatch'): InstanceRun {
  return {
    instanceId: 'i-0aaaaaaaaaaaaaaaa',
    invocation: {
      instanceId: 'i-0aaaaaaaaaaaaaaaa',
      status: 'Success',
      outcome: 'succeeded',
      responseCode: 0,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      ...inv,
    },
    report: {steps: [], warnings: [], records: [], log: []},
    outputSource,
  }
}

describe('execSettings', () => {
  it('sends the app dir and the words as numbered settings, in order', () => {
    expect(execSettings({appDir: '/opt/upscpro/upscapp-be'}, ['printf', '%s\n', "it's", ''], true)).toEqual({
      UPSC_APP_DIR: '/opt/upscpro/upscapp-be',
      UPSC_EXEC_MERGE: 1,
      UPSC_EXEC_COUNT: 4,
      UPSC_EXEC_1: 'printf',
      UPSC_EXEC_2: '%s\n',
      UPSC_EXEC_3: "it's",
      UPSC_EXEC_4: '',
    })
    expect(execSettings({appDir: '/app'}, ['ls'], false)).toEqual({UPSC_APP_DIR: '/app', UPSC_EXEC_MERGE: undefined, UPSC_EXEC_COUNT: 1, UPSC_EXEC_1: 'ls'})
  })
})

describe('execPayload', () => {
  it('stays small: lib.sh contributes only what exec.sh reaches', () => {
    const size = payloadBytes(
      execPayload({appDir: '/opt/upscpro/upscapp-be'}, {argv: ['docker', 'compose', 'logs', '--tail', '100', 'api'], mergeStderr: true}),
    )
    expect(size).toBeLessThan(4_000)
  })

  it('refuses a command too long for Run Command with a usage error', () => {
    const error = (() => {
      try {
        // Random text: the settings travel compressed, so a repeated one would fit.
        execPayload({appDir: '/app'}, {argv: ['echo', randomBytes(MAX_PAYLOAD_BYTES).toString('base64')], mergeStderr: false})
      } catch (e) {
        return e as UpscError
      }
    })()
    expect(error).toBeInstanceOf(UpscError)
    expect([error!.code, error!.exitCode, error!.message]).toEqual([
      'command-too-long',
      2,
      'The command is too long to send with Run Command (over 16384 bytes with the script).',
    ])
  })
})

describe('commandStdout', () => {
  it('removes the newline and result line exec.sh adds, and nothing else', () => {
    expect(commandStdout('hello\n\n::upsc result {"exitCode":0}\n')).toBe('hello\n')
    expect(commandStdout('no newline\n::upsc result {"exitCode":3}\n')).toBe('no newline')
    expect(commandStdout('\n::upsc result {"exitCode":0}\n')).toBe('')
    expect(commandStdout('cut at 24,000 characters...')).toBe('cut at 24,000 characters...')
  })
})

describe('execHostResult', () => {
  it("a success: exit 0 and the command's own stdout", () => {
    expect(execHostResult(run({stdout: 'ok\n\n::upsc result {"exitCode":0}\n'}), 'web')).toEqual({
      instanceId: 'i-0aaaaaaaaaaaaaaaa',
      name: 'web',
      outcome: 'succeeded',
      exitCode: 0,
      status: 'Success',
      stdout: 'ok\n',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      outputSource: 'cloudwatch',
    })
  })

  it("a failure keeps the host's exit code, whatever it is", () => {
    for (const code of [1, 2, 5, 127, 255]) {
      const r = execHostResult(run({status: 'Failed', outcome: 'failed', responseCode: code, stderr: 'boom\n'}))
      expect([r.outcome, r.exitCode, r.stderr]).toEqual(['failed', code, 'boom\n'])
    }
  })

  it('maps the other ends: timed out 124, cancelled 130, never delivered 4', () => {
    const ends = (inv: Partial<InvocationResult>) => {
      const r = execHostResult(run(inv))
      return [r.outcome, r.exitCode, r.status]
    }
    expect(ends({status: 'TimedOut', statusDetails: 'Execution Timed Out', outcome: 'timed-out', responseCode: 137})).toEqual([
      'timed-out',
      124,
      'TimedOut (Execution Timed Out)',
    ])
    expect(ends({status: 'Cancelled', outcome: 'cancelled', responseCode: 137})).toEqual(['cancelled', 130, 'Cancelled'])
    expect(ends({status: 'TimedOut', statusDetails: 'Delivery Timed Out', outcome: 'delivery-timed-out', responseCode: -1})).toEqual([
      'unreachable',
      4,
      'TimedOut (Delivery Timed Out)',
    ])
    expect(ends({status: 'Undeliverable', outcome: 'undeliverable', responseCode: -1})).toEqual(['unreachable', 4, 'Undeliverable'])
    expect(ends({status: 'InProgress', outcome: 'running', responseCode: -1})).toEqual(['running', 130, 'InProgress'])
  })

  it('flags output GetCommandInvocation may have cut', () => {
    const r = execHostResult(run({stdout: 'x'.repeat(24_000), stdoutTruncated: true, stderr: 'e'.repeat(8_000)}, 'invocation'))
    expect([r.stdoutTruncated, r.stderrTruncated, r.outputSource]).toEqual([true, true, 'invocation'])
  })
})

describe('execExitCode', () => {
  it('0 when all succeeded; the failing code when the failing hosts agree; else 1', () => {
    expect(execExitCode([{exitCode: 0}, {exitCode: 0}])).toBe(0)
    expect(execExitCode([{exitCode: 0}, {exitCode: 7}])).toBe(7)
    expect(execExitCode([{exitCode: 3}, {exitCode: 3}, {exitCode: 0}])).toBe(3)
    expect(execExitCode([{exitCode: 2}, {exitCode: 124}])).toBe(1)
    expect(execExitCode([])).toBe(0)
  })
})

describe('checkExecInput', () => {
  it('needs a command', () => {
    expect(() => checkExecInput([], 600)).toThrow(UpscError)
    expect(() => checkExecInput([], 600)).toThrow('No command given: put it after --.')
  })

  it('bounds the timeout to what Run Command accepts', () => {
    expect(() => checkExecInput(['ls'], 1)).not.toThrow()
    expect(() => checkExecInput(['ls'], 172_800)).not.toThrow()
    for (const t of [0, 172_801, 1.5])
      expect(() => checkExecInput(['ls'], t), String(t)).toThrow('--timeout must be a whole number of seconds from 1 to 172800.')
  })
})

describe('ExecOutput', () => {
  const feed = (out: ExecOutput, id: string, lines: string[]) => lines.flatMap((l) => out.push(id, parseReportLine(l)))

  it("shows one host's lines as printed, hiding exec.sh's own newline and result line", () => {
    const out = new ExecOutput(false)
    expect(feed(out, 'i-1', ['a', '', 'b', '', '', '::upsc result {"exitCode":0}'])).toEqual(['a', '', 'b', ''])
    expect(out.flush()).toEqual([])
  })

  it('prefixes every line with its instance when several hosts run', () => {
    const out = new ExecOutput(true)
    expect([...feed(out, 'i-1', ['up 3 days']), ...feed(out, 'i-2', ['up 1 day', '']), ...feed(out, 'i-1', ['', '::upsc result {"exitCode":0}'])]).toEqual([
      '[i-1] up 3 days',
      '[i-2] up 1 day',
    ])
    expect(out.flush()).toEqual(['[i-2]'])
  })

  it('shows `::upsc` lines the command itself printed', () => {
    const out = new ExecOutput(false)
    expect(feed(out, 'i-1', ['::upsc warn careful', '::upsc result {"exitCode":0,"other":1}', '::upsc step build ok 1.5s done'])).toEqual([
      '::upsc warn careful',
      '::upsc result {"exitCode":0,"other":1}',
      '::upsc step build ok 1.5s done',
    ])
  })

  it('lineText gives back log lines unchanged', () => {
    expect(lineText(parseReportLine("  spaced  $(x) 'q'"))).toBe("  spaced  $(x) 'q'")
  })
})

describe('renderExecSummary', () => {
  const host = (over: Partial<ExecHostResult>): ExecHostResult => ({
    instanceId: 'i-0aaaaaaaaaaaaaaaa',
    name: 'web',
    outcome: 'succeeded',
    exitCode: 0,
    status: 'Success',
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    outputSource: 'cloudwatch',
    ...over,
  })
  const result = (hosts: ExecHostResult[], over: Partial<ExecResult> = {}): ExecResult => ({
    schema: 1,
    stage: 'stage2',
    command: ['ls'],
    commandId: 'c-1',
    interrupted: false,
    exitCode: execExitCode(hosts),
    hosts,
    ...over,
  })

  it('says nothing after one host that succeeded', () => {
    expect(renderExecSummary(result([host({})]), {timeoutSeconds: 600})).toBe('')
  })

  it('names the exit code of one host that failed', () => {
    expect(renderExecSummary(result([host({outcome: 'failed', exitCode: 7, status: 'Failed'})]), {timeoutSeconds: 600})).toBe(
      'web (i-0aaaaaaaaaaaaaaaa): exit 7\nRun Command id: c-1',
    )
  })

  it('says a timeout is one', () => {
    expect(renderExecSummary(result([host({outcome: 'timed-out', exitCode: 124, status: 'TimedOut'})]), {timeoutSeconds: 5})).toBe(
      'web (i-0aaaaaaaaaaaaaaaa): timed out after 5s (exit 124)\nRun Command id: c-1',
    )
  })

  it('tables several hosts, with the stderr the host could not merge', () => {
    const text = renderExecSummary(
      result([
        host({}),
        host({instanceId: 'i-0bbbbbbbbbbbbbbbb', outcome: 'failed', exitCode: 70, status: 'Failed', stderr: 'upsc: could not decode the script payload\n'}),
      ]),
      {timeoutSeconds: 600},
    )
    expect(text).toBe(
      [
        'Instance                   Result  Exit',
        'web (i-0aaaaaaaaaaaaaaaa)  ok      0',
        'web (i-0bbbbbbbbbbbbbbbb)  failed  70',
        '1 of 2 instances failed; exit code 70.',
        'web (i-0bbbbbbbbbbbbbbbb) stderr:',
        'upsc: could not decode the script payload',
        'Run Command id: c-1',
      ].join('\n'),
    )
  })

  it('says when Ctrl-C cancelled the command', () => {
    expect(
      renderExecSummary(result([host({outcome: 'cancelled', exitCode: 130, status: 'Cancelled'})], {interrupted: true, exitCode: 130}), {timeoutSeconds: 600}),
    ).toBe('web (i-0aaaaaaaaaaaaaaaa): cancelled (exit 130)\nInterrupted: the command was cancelled on the hosts.\nRun Command id: c-1')
  })
})
