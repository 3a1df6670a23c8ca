import {describe, expect, it} from 'vitest'

import {emptyInvocation} from '../../src/outcome/invocation.js'
import {hostResult} from '../../src/outcome/host-result.js'
import {parseReport} from '../../src/remote/report-lines.js'
import {checkResult, UNREADABLE_RESULT_ADVICE} from '../../src/remote/results.js'

// The examples of docs/REMOTE-CONTRACT.md.
const deployed = {
  schema: 1,
  kind: 'deploy',
  id: 'deploy-20261128T181137Z-1a2b3c4d',
  outcome: 'succeeded',
  exitCode: 0,
  branch: 'feature-x',
  commit: 'a'.repeat(40),
  previousCommit: null,
  rolledBackTo: null,
  steps: [{name: 'fetch', status: 'ok', seconds: 2.1, detail: '3a4f2c1b9e0d'}],
  healthChecks: [{name: 'api', url: 'http://127.0.0.1:8000/health', expect: 200, status: 200, ok: true, latencyMs: 12, error: null}],
  failedStep: null,
  reason: null,
  advice: null,
  durationSeconds: 41.3,
  lock: null,
  rollbackHealthChecks: null,
}
const lock = {action: 'cancel', held: false, stale: false, holder: null, released: true, forced: false, message: 'cancelled', hold: null}
const history = {
  records: [{id: 'd-1', kind: 'deploy', schema: 1}],
  total: 1,
  skipped: 0,
  next: null,
  current: null,
  rollback: {running: null, target: null, problem: 'no earlier deployment'},
}
const probe = {
  schema: 1,
  host: {hostname: 'ip-10-0-0-1', uptimeSeconds: 8123, diskFreeBytes: null},
  docker: {running: false, error: 'docker is not running'},
  images: [],
  services: [],
  healthChecks: [],
  units: [],
  lastDeployment: null,
  bootstrap: null,
  blueGreen: null,
  monitor: null,
}

describe("checkResult: each script's result against its schema", () => {
  it('takes the documented results whole, fields the CLI does not read included', () => {
    expect(checkResult('deploy', deployed)).toEqual({result: deployed})
    expect(checkResult('lock', lock)).toEqual({result: lock})
    expect(checkResult('history', history)).toEqual({result: history})
    expect(checkResult('probe', probe)).toEqual({result: probe})
    expect(checkResult('exec', {exitCode: 3})).toEqual({result: {exitCode: 3}})
  })

  it('refuses a result whose fields the CLI reads are missing or of the wrong type, naming them and quoting what was printed', () => {
    expect(checkResult('lock', {...lock, released: 'yes'})).toEqual({
      problem: `lock.sh printed a result upsc cannot read (released: Invalid input: expected boolean, received string): ${JSON.stringify({...lock, released: 'yes'})}`,
    })
    expect(checkResult('exec', {code: 1}).problem).toBe(
      'exec.sh printed a result upsc cannot read (exitCode: Invalid input: expected number, received undefined): {"code":1}',
    )
    const long = {records: 'x'.repeat(400)}
    expect(checkResult('history', long).problem).toBe(
      `history.sh printed a result upsc cannot read (records: Invalid input: expected array, received string; total: Invalid input: expected number, received undefined; skipped: Invalid input: expected number, received undefined): ${JSON.stringify(long).slice(0, 300)}...`,
    )
  })
})

describe('a malformed result, end to end of the collect step', () => {
  const line = '::upsc result {"action":"status","held":"no"}'

  it('parseReport with the script: no result, the problem instead; without the script (live lines), the document as printed', () => {
    const report = parseReport(`hello\n${line}\n`, undefined, 'lock')
    expect(report.result).toBeUndefined()
    expect(report.resultProblem).toMatch(
      /^lock\.sh printed a result upsc cannot read \(held: Invalid input: expected boolean, received string; stale: .*\): \{"action":"status","held":"no"\}$/,
    )
    expect(parseReport(line).result).toEqual({action: 'status', held: 'no'})
  })

  it('the host fails (exit 1) with what it printed as the reason and what to do, even when the script exited 0', () => {
    const report = parseReport(line, undefined, 'lock')
    const host = hostResult(
      {
        instanceId: 'i-1',
        commandId: 'c-1',
        invocation: {...emptyInvocation('i-1'), status: 'Success', outcome: 'succeeded', responseCode: 0, stdout: line},
        report,
        outputSource: 'invocation',
      },
      'web-1',
    )
    expect(host).toMatchObject({
      instanceId: 'i-1',
      name: 'web-1',
      outcome: 'failed',
      exitCode: 1,
      reason: report.resultProblem,
      advice: UNREADABLE_RESULT_ADVICE,
    })
    expect(host.result).toBeUndefined()
  })
})
