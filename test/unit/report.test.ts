import {describe, expect, it} from 'vitest'

import {parseReport, parseReportLine} from '../../src/lib/remote/report.js'

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
    const report = parseReport(['::upsc step fetch start', 'Fetching origin', '::upsc step fetch ok 1.5s 3a4f2c1', '::upsc result {"outcome":"succeeded"}', ''].join('\n'))
    expect(report.steps.map((s) => `${s.name}:${s.status}`)).toEqual(['fetch:start', 'fetch:ok'])
    expect(report.log).toEqual(['Fetching origin'])
    expect(report.result).toEqual({outcome: 'succeeded'})
  })
})
