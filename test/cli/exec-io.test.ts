import {PassThrough} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {commandAfterDashes, ExecPrinter} from '../../src/cli/exec-io.js'
import type {UpscError} from '../../src/errors/upsc-error.js'

describe('commandAfterDashes', () => {
  it('takes the words after the first --, as given', () => {
    expect(commandAfterDashes(['-i', 'i-1', '--', 'ls', '-la', '--', 'x'])).toEqual(['ls', '-la', '--', 'x'])
  })

  it('refuses a command without -- (exit 2, with an example)', () => {
    const error = (() => {
      try {
        return commandAfterDashes(['ls'])
      } catch (e) {
        return e as UpscError
      }
    })() as UpscError
    expect([error.code, error.exitCode, error.message, error.hint]).toEqual([
      'no-dashes',
      2,
      'Put the command after --, so that its words are never taken for upsc flags.',
      'For example: upsc exec -- docker compose ps',
    ])
  })
})

describe('ExecPrinter', () => {
  const collect = (quiet: boolean) => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (chunk: Buffer) => (text += chunk.toString()))
    return {printer: new ExecPrinter(quiet, out), text: () => text}
  }

  it("prints each host's lines, prefixed by instance when several run, and hides exec.sh's own result line", () => {
    const {printer, text} = collect(false)
    printer.events.onSent('c-1', ['i-1', 'i-2'])
    printer.events.onLine('i-1', {kind: 'log', text: 'hello'})
    printer.events.onLine('i-2', {kind: 'result', result: {exitCode: 0}})
    printer.flush()
    expect(text()).toBe('[i-1] hello\n')
  })

  it('prints nothing with --json', () => {
    const {printer, text} = collect(true)
    printer.events.onSent('c-1', ['i-1'])
    printer.events.onLine('i-1', {kind: 'log', text: 'hello'})
    printer.flush()
    expect(text()).toBe('')
  })
})
