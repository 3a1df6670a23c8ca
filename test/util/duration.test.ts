import {describe, expect, it} from 'vitest'

import {formatDuration} from '../../src/util/duration.js'

describe('formatDuration', () => {
  it('elapsed: a tenth under 10 s, whole seconds, then minutes and seconds, then hours and minutes', () => {
    expect([0, 2.14, 9.96, 10, 52.4, 59.6, 125, 3600 + 125].map((s) => formatDuration(s))).toEqual([
      '0.0s',
      '2.1s',
      '10s',
      '10s',
      '52s',
      '1m 0s',
      '2m 5s',
      '1h 2m',
    ])
  })

  it('age: coarse, the biggest unit or two', () => {
    expect([-3, 5, 125, 3 * 3600 + 60, 2 * 86_400 + 3600].map((s) => formatDuration(s, 'age'))).toEqual(['0s', '5s', '2m', '3h01m', '2d1h'])
  })
})
