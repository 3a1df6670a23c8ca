import {execFileSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {exportLine, shellQuote} from '../../src/remote/quote.js'

const hostile = [
  '',
  "it's",
  "'",
  "''",
  '$(touch /tmp/x)',
  '`id`',
  '"; rm -rf / #',
  'a\nb\nc',
  '\\',
  '$HOME ${PATH} $((1+1))',
  "'\"'\"'",
  '--help',
  '-rf',
  '*',
  '!!',
  '\t tab',
  'ünïcødé ✓',
]

describe('shellQuote', () => {
  it('wraps plain values in single quotes', () => {
    expect(shellQuote('main')).toBe("'main'")
  })

  it("writes a single quote as '\\''", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'")
  })

  it('refuses NUL bytes, which bash cannot carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/)
  })

  it('round-trips every hostile value through bash unchanged', () => {
    for (const value of hostile) {
      const out = execFileSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], {encoding: 'utf8'})
      expect(out).toBe(value)
    }
  })
})

describe('exportLine', () => {
  it('exports a quoted setting', () => {
    expect(exportLine('UPSC_BRANCH', 'feature-x')).toBe("export UPSC_BRANCH='feature-x'")
  })

  it('refuses names outside UPSC_*', () => {
    expect(() => exportLine('PATH', '/tmp')).toThrow(/Invalid setting name/)
    expect(() => exportLine('UPSC_X;id', 'a')).toThrow(/Invalid setting name/)
  })
})
