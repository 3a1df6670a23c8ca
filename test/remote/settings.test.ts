import {describe, expect, it} from 'vitest'

import {scriptDeadlineSeconds} from '../../src/remote/settings.js'

describe('scriptDeadlineSeconds', () => {
  it('keeps 10 % of the Run Command timeout to clean up, at least 15 s and at most 5 minutes', () => {
    expect(scriptDeadlineSeconds(30)).toBe(15)
    expect(scriptDeadlineSeconds(600)).toBe(540)
    expect(scriptDeadlineSeconds(3600)).toBe(3300)
    expect(scriptDeadlineSeconds(172800)).toBe(172500)
  })
})
