import {describe, expect, it} from 'vitest'

import {deployStreamMatcher, historiesFromEvents, RECORD_FILTER} from '../../src/history/from-logs.js'

const G = '/aws/ec2/upscpro-stage2-docker'
const rec = (id: string, startedAt: string, extra = '') =>
  `{"id":"${id}","kind":"deploy","branch":"main","commit":"${'a'.repeat(40)}","startedAt":"${startedAt}","finishedAt":"${startedAt}","outcome":"succeeded"${extra},"schema":1}`
const event = (stream: string, timestamp: number, message: string) => ({group: G, stream, timestamp, message})

describe('deployStreamMatcher', () => {
  it('gives the instance id of a deploy stream, and nothing for other streams', () => {
    const match = deployStreamMatcher('{instance_id}/deploy')
    expect(match('i-0abc1234def567890/deploy')).toBe('i-0abc1234def567890')
    expect(match('i-0abc1234def567890/monitor')).toBeUndefined()
    expect(match('x/i-0abc/deploy')).toBeUndefined()
    expect(deployStreamMatcher('hosts/{instance_id}.deploy.log')('hosts/i-0f.deploy.log')).toBe('i-0f')
    expect(deployStreamMatcher('hosts/{instance_id}.deploy.log')('hosts/i-0fadeploy.log')).toBeUndefined()
  })
})

describe('historiesFromEvents', () => {
  it('keeps the record lines of each instance, oldest first, each once; torn ones are counted', () => {
    const match = deployStreamMatcher('{instance_id}/deploy')
    const histories = historiesFromEvents(
      [
        event('i-0b/deploy', 3, `2026-12-01T10:00:03Z ::upsc.0a1b2c record ${rec('d2', '2026-12-01T10:00:02Z')}`),
        event('i-0a/deploy', 1, `2026-12-01T09:00:01Z ::upsc record ${rec('d1', '2026-12-01T09:00:00Z')}`),
        event('i-0a/deploy', 2, `2026-12-01T09:00:01Z ::upsc record ${rec('d1', '2026-12-01T09:00:00Z')}`),
        event('i-0a/deploy', 4, '2026-12-01T09:00:04Z ::upsc record {"id":"torn","kind":"dep'),
        event('i-0a/deploy', 5, '2026-12-01T09:00:05Z ::upsc step build ok 3.0s'),
        event('i-0a/monitor', 6, `2026-12-01T09:00:06Z ::upsc record ${rec('elsewhere', '2026-12-01T09:00:06Z')}`),
      ],
      match,
    )
    expect(histories).toEqual([
      {instanceId: 'i-0a', records: [JSON.parse(rec('d1', '2026-12-01T09:00:00Z'))], current: null, skipped: 1},
      {instanceId: 'i-0b', records: [JSON.parse(rec('d2', '2026-12-01T10:00:02Z'))], current: null, skipped: 0},
    ])
    expect(RECORD_FILTER).toBe('" record {"')
  })
})
