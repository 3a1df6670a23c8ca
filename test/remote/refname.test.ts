import {execFileSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {branchNameProblem, commitRefProblem} from '../../src/remote/refname.js'

describe('branchNameProblem', () => {
  it.each(['main', 'feature-x', 'release/2026.11', 'fix_123', 'a.b/c-d'])('accepts %s', (name) => {
    expect(branchNameProblem(name)).toBeUndefined()
  })

  it.each([
    ['', /empty/],
    ['-rf', /starts with "-"/],
    ['a..b', /\.\./],
    ['a b', /space/],
    ['a~1', /~/],
    ['x.lock', /\.lock/],
    ['.hidden', /starts with "\."/],
    ['a//b', /\/\//],
    ['a/', /ends with/],
    ['a@{1}', /@\{/],
    ['$(id)', /metacharacter/],
    ['`id`', /metacharacter/],
    ["it's", /metacharacter/],
    ['a;b', /metacharacter/],
    ['a\nb', /control/],
    ['@', /"@"/],
    // git accepts these, but they do not name a branch of origin
    ['HEAD', /names a commit, not a branch/],
    ['FETCH_HEAD', /names a commit, not a branch/],
    ['refs/heads/main', /full ref name/],
    ['0123456789abcdef0123456789abcdef01234567', /commit id, not a branch/],
  ])('refuses %j', (name, reason) => {
    expect(branchNameProblem(name)).toMatch(reason)
  })

  it('never accepts a name that git itself refuses', () => {
    const samples = ['a..b', 'a b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b', 'a.lock', 'a/.b', '/a', 'a/', 'a.', 'a@{b']
    for (const name of samples) {
      let gitAccepts = true
      try {
        execFileSync('git', ['check-ref-format', '--branch', name], {stdio: 'ignore'})
      } catch {
        gitAccepts = false
      }
      if (!gitAccepts) expect(branchNameProblem(name), name).toBeDefined()
    }
  })
})

describe('commitRefProblem', () => {
  it('accepts 7 to 40 hex digits', () => {
    expect(commitRefProblem('3a4f2c1')).toBeUndefined()
    expect(commitRefProblem('0123456789abcdef0123456789abcdef01234567')).toBeUndefined()
  })

  it('refuses anything else', () => {
    expect(commitRefProblem('HEAD~1')).toMatch(/commit id/)
    expect(commitRefProblem('abc')).toMatch(/commit id/)
    expect(commitRefProblem('$(id)')).toMatch(/commit id/)
  })
})
