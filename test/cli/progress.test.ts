// Live output of a remote run in plain mode (CI, pipes) and quiet mode (--json): exact lines.
import {Writable} from 'node:stream'

import chalk from 'chalk'
import {beforeAll, describe, expect, it} from 'vitest'

import {Progress} from '../../src/cli/progress.js'
import type {ReportLine} from '../../src/remote/report-lines.js'

beforeAll(() => {
  chalk.level = 0
})

function sink(): {stream: Writable; lines: () => string[]} {
  let text = ''
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk)
      done()
    },
  })
  return {stream, lines: () => text.split('\n').slice(0, -1)}
}

const STAMP = /^\d{2}:\d{2}:\d{2} /
const events: ReportLine[] = [
  {kind: 'step', name: 'fetch', status: 'start'},
  {kind: 'log', text: 'From origin: 3a4f2c1'},
  {kind: 'step', name: 'fetch', status: 'ok', seconds: 2.1, detail: '3a4f2c1'},
  {kind: 'warn', message: 'untracked files in the app dir: notes.txt'},
  {kind: 'step', name: 'health', status: 'fail', seconds: 30, detail: 'api did not answer'},
  {kind: 'record', record: {id: 'd-1'}},
  {kind: 'result', result: {outcome: 'failed'}},
]

describe('Progress', () => {
  it('plain: one timestamped line per step event, log and warning; records and results wait for the summary', async () => {
    const out = sink()
    const err = sink()
    const progress = new Progress('plain', {branch: 'feature-x', out: out.stream, err: err.stream})
    await progress.start()
    for (const e of events) progress.line('i-1', e)
    progress.note('Still following: CloudWatch is throttling')
    const lines = out.lines()
    expect(lines.every((l) => STAMP.test(l))).toBe(true)
    expect(lines.map((l) => l.replace(STAMP, ''))).toEqual([
      '▸ Fetching feature-x ...',
      'From origin: 3a4f2c1',
      '✔ Fetching feature-x ... done 3a4f2c1 (2.1s)',
      'warning: untracked files in the app dir: notes.txt',
      '✖ Health gate ... failed (30s): api did not answer',
    ])
    expect(err.lines().map((l) => l.replace(STAMP, ''))).toEqual(['Still following: CloudWatch is throttling'])
  })

  it('plain with several hosts: every line names its instance', async () => {
    const out = sink()
    const progress = new Progress('plain', {out: out.stream, err: sink().stream})
    progress.hosts(2)
    progress.line('i-1', {kind: 'log', text: 'hello'})
    progress.line('i-2', {kind: 'step', name: 'fetch', status: 'start'})
    expect(out.lines().map((l) => l.replace(STAMP, ''))).toEqual(['[i-1] hello', '[i-2] ▸ Fetching ...'])
  })

  it('quiet (--json): writes nothing at all', async () => {
    const out = sink()
    const err = sink()
    const progress = new Progress('quiet', {out: out.stream, err: err.stream})
    await progress.start()
    for (const e of events) progress.line('i-1', e)
    progress.note('a notice')
    expect(out.lines()).toEqual([])
    expect(err.lines()).toEqual([])
  })
})
