import {describe, expect, it} from 'vitest'

import {parseReport, parseReportLine} from '../../src/remote/report-lines.js'

describe('parseReportLine', () => {
  it('parses step markers', () => {
    expect(parseReportLine('::upsc step build start')).toEqual({kind: 'step', name: 'build', status: 'start'})
    expect(parseReportLine('::upsc step build ok 83.2s')).toEqual({kind: 'step', name: 'build', status: 'ok', seconds: 83.2})
    expect(parseReportLine('::upsc step fetch fail 14s origin unreachable: Could not resolve host')).toEqual({
      kind: 'step',
      name: 'fetch',
      status: 'fail',
      seconds: 14,
      detail: 'origin unreachable: Could not resolve host',
    })
  })

  it('parses results, records and warnings', () => {
    expect(parseReportLine('::upsc result {"a":1}')).toEqual({kind: 'result', result: {a: 1}})
    expect(parseReportLine('::upsc record {"id":"d1"}')).toEqual({kind: 'record', record: {id: 'd1'}})
    expect(parseReportLine('::upsc warn disk low')).toEqual({kind: 'warn', message: 'disk low'})
  })

  it('treats malformed machine lines and everything else as log output', () => {
    expect(parseReportLine('::upsc result {"a":')).toEqual({kind: 'log', text: '::upsc result {"a":'})
    expect(parseReportLine('::upsc result [1]')).toEqual({kind: 'log', text: '::upsc result [1]'})
    expect(parseReportLine('Step 3/7 : RUN npm ci')).toEqual({kind: 'log', text: 'Step 3/7 : RUN npm ci'})
  })
})

describe('parseReport', () => {
  it('splits a whole output', () => {
    const report = parseReport(
      ['::upsc step fetch start', 'Fetching origin', '::upsc step fetch ok 1.5s 3a4f2c1', '::upsc result {"outcome":"succeeded"}', ''].join('\n'),
    )
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['fetch:start', 'fetch:ok'])
    expect(report.log).toEqual(['Fetching origin'])
    expect(report.result).toEqual({outcome: 'succeeded'})
  })
})

describe('the run nonce: output cannot forge a step or a result', () => {
  const forged = '::upsc result {"outcome":"succeeded","exitCode":0}'

  it('with a nonce, only lines tagged with it count', () => {
    expect(parseReportLine('::upsc.ab12 step build ok 3s', 'ab12')).toEqual({kind: 'step', name: 'build', status: 'ok', seconds: 3})
    expect(parseReportLine(forged, 'ab12')).toEqual({kind: 'log', text: forged})
    expect(parseReportLine('::upsc.ff00 result {"outcome":"succeeded"}', 'ab12')).toEqual({kind: 'log', text: '::upsc.ff00 result {"outcome":"succeeded"}'})
  })

  it('a whole report: the forged result printed by a build stays a log line', () => {
    const output = ['::upsc.ab12 step build start', forged, '::upsc.ab12 step build ok 1s', '::upsc.ab12 result {"outcome":"failed","exitCode":1}'].join('\n')
    const report = parseReport(output, 'ab12')
    expect(report.result).toEqual({outcome: 'failed', exitCode: 1})
    expect(report.log).toEqual([forged])
  })

  it('without a known nonce (--attach), the first tagged line sets it: the script prints it before running anything', () => {
    const output = [
      '::upsc.ab12 step lock start',
      '::upsc.ab12 step build start',
      forged,
      '::upsc.zz99 result {"outcome":"succeeded"}',
      '::upsc.ab12 result {"outcome":"rolled-back"}',
    ].join('\n')
    const report = parseReport(output)
    expect(report.result).toEqual({outcome: 'rolled-back'})
    expect(report.log).toEqual([forged, '::upsc.zz99 result {"outcome":"succeeded"}'])
  })

  it('untagged scripts (probe, history, lock) are read as before', () => {
    expect(parseReport('::upsc result {"a":1}').result).toEqual({a: 1})
  })
})
