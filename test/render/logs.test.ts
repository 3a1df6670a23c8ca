import {afterEach, describe, expect, it} from 'vitest'

import type {LogEvent} from '../../src/logs/event.js'
import {colourLevel, createLogRenderer, labelColour, renderNoEvents} from '../../src/render/logs.js'

const G = '/aws/ec2/upscpro-stage2-docker'
const SSM = '/aws/ssm/AWS-RunShellScript'
const at = Date.UTC(2026, 10, 28, 18, 0, 1, 123)
const e = (over: Partial<LogEvent> = {}): LogEvent => ({
  group: G,
  stream: 'i-0abc/deploy',
  timestamp: at,
  message: 'building api\n',
  eventId: '3701',
  ingestionTime: at + 40,
  ...over,
})

describe('short format', () => {
  it('prints the time of day, the stream and the message without its newline', () => {
    const r = createLogRenderer({format: 'short', colourLevel: 0, groups: [G], timeZone: 'utc'})
    expect(r.line(e())).toBe('18:00:01 i-0abc/deploy building api')
    expect(r.line(e({message: 'windows\r\n'}))).toBe('18:00:01 i-0abc/deploy windows')
    expect(r.line(e({message: 'two\nlines'}))).toBe('18:00:01 i-0abc/deploy two\nlines')
  })

  it('uses local time unless told otherwise', () => {
    const tz = process.env.TZ
    process.env.TZ = 'Asia/Kolkata'
    try {
      expect(createLogRenderer({format: 'short', colourLevel: 0, groups: [G]}).line(e())).toBe('23:30:01 i-0abc/deploy building api')
    } finally {
      process.env.TZ = tz
    }
  })

  it('labels lines with the short group name when several groups are read', () => {
    const r = createLogRenderer({format: 'short', colourLevel: 0, groups: [G, SSM], timeZone: 'utc'})
    expect(r.line(e())).toBe('18:00:01 upscpro-stage2-docker:i-0abc/deploy building api')
    expect(r.line(e({group: SSM, stream: 'c1/i-0abc/aws-runShellScript/stdout', message: '::upsc step build ok'}))).toBe(
      '18:00:01 AWS-RunShellScript:c1/i-0abc/aws-runShellScript/stdout ::upsc step build ok',
    )
  })

  it('colours the label in its stable colour and dims the time', () => {
    const r = createLogRenderer({format: 'short', colourLevel: 1, groups: [G], timeZone: 'utc'})
    expect(labelColour('i-0abc/deploy')).toBe('magentaBright')
    expect(r.line(e())).toBe('\u001B[2m18:00:01\u001B[22m \u001B[95mi-0abc/deploy\u001B[39m building api')
  })
})

describe('detailed format', () => {
  it('prints the ISO time, the group and the stream', () => {
    const r = createLogRenderer({format: 'detailed', colourLevel: 0, groups: [G]})
    expect(r.line(e())).toBe('2026-11-28T18:00:01.123Z /aws/ec2/upscpro-stage2-docker i-0abc/deploy building api')
  })

  it('colours the stream like the short format colours its label', () => {
    const r = createLogRenderer({format: 'detailed', colourLevel: 1, groups: [G]})
    expect(r.line(e())).toBe(
      '\u001B[2m2026-11-28T18:00:01.123Z\u001B[22m \u001B[2m/aws/ec2/upscpro-stage2-docker\u001B[22m \u001B[95mi-0abc/deploy\u001B[39m building api',
    )
  })
})

describe('json format', () => {
  it('prints one object per line, never coloured', () => {
    const r = createLogRenderer({format: 'json', colourLevel: 3, groups: [G]})
    expect(r.line(e())).toBe(
      '{"time":"2026-11-28T18:00:01.123Z","timestamp":1795888801123,"group":"/aws/ec2/upscpro-stage2-docker","stream":"i-0abc/deploy","message":"building api","eventId":"3701","ingestionTime":1795888801163}',
    )
    expect(JSON.parse(r.line(e({eventId: undefined, ingestionTime: undefined, message: 'say "hi"\ttab'})))).toEqual({
      time: '2026-11-28T18:00:01.123Z',
      timestamp: at,
      group: G,
      stream: 'i-0abc/deploy',
      message: 'say "hi"\ttab',
    })
  })
})

describe('lines', () => {
  it('renders a batch as newline-terminated lines, equal to rendering each', () => {
    for (const format of ['short', 'detailed', 'json'] as const) {
      const r = createLogRenderer({format, colourLevel: 1, groups: [G, SSM], timeZone: 'utc'})
      const batch = [e(), e({stream: 'app/api', timestamp: at + 1}), e({group: SSM, timestamp: at + 2000}), e({timestamp: Number.NaN})]
      expect(r.lines(batch)).toBe(batch.map((x) => `${r.line(x)}\n`).join(''))
    }
    expect(createLogRenderer({format: 'short', colourLevel: 0, groups: [G]}).lines([])).toBe('')
  })
})

describe('labelColour', () => {
  it('is the same for the same label and spreads labels over the palette, never red', () => {
    const labels = Array.from({length: 40}, (_, i) => `i-0${i}/deploy`)
    const colours = labels.map(labelColour)
    expect(labels.map(labelColour)).toEqual(colours)
    expect(new Set(colours).size).toBeGreaterThanOrEqual(6)
    expect(colours.some((c) => c.startsWith('red'))).toBe(false)
  })
})

describe('colourLevel', () => {
  const env = {...process.env}
  afterEach(() => {
    process.env = env
  })

  it.each([
    [{noColorFlag: true, env: {FORCE_COLOR: '1'}, detected: 3}, 0],
    [{noColorFlag: false, env: {NO_COLOR: '1'}, detected: 3}, 0],
    [{noColorFlag: false, env: {NO_COLOR: ''}, detected: 2}, 2],
    [{noColorFlag: false, env: {FORCE_COLOR: '1', NO_COLOR: '1'}, detected: 0}, 1],
    [{noColorFlag: false, env: {FORCE_COLOR: '0'}, detected: 0}, 0],
    [{noColorFlag: false, env: {}, detected: 0}, 0],
    [{noColorFlag: false, env: {}, detected: 3}, 3],
  ] as const)('%j -> %i', (options, level) => expect(colourLevel(options)).toBe(level))
})

describe('renderNoEvents', () => {
  it('names the groups, the range and the filter', () => {
    expect(renderNoEvents({groups: [G], since: '2026-11-28T18:00:00.000Z'})).toBe(`upsc: no events in ${G} from 2026-11-28T18:00:00.000Z to now.\n`)
    expect(renderNoEvents({groups: [G, SSM], since: 'a', until: 'b', filter: 'ERROR'})).toBe(`upsc: no events in ${G}, ${SSM} from a to b matching ERROR.\n`)
  })
})
