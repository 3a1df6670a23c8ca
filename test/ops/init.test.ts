import {describe, expect, it} from 'vitest'

import {likelyInstance, parseNumbered, selectorFor} from '../../src/ops/init.js'
import {instanceChoiceLines, renderFindings} from '../../src/render/init.js'

const a = {instanceId: 'i-0aaaaaaaaaaaaaaaa', name: 'upscpro-stage2-docker', state: 'running', ping: 'Online'}
const b = {instanceId: 'i-0bbbbbbbbbbbbbbbb', state: 'stopped'}
const c = {instanceId: 'i-0cccccccccccccccc', name: 'upscpro-stage2-docker', state: 'running', ping: 'ConnectionLost'}

describe('init choices', () => {
  it('selects by the common Name tag, else by ids', () => {
    expect(selectorFor([a, c])).toEqual({tags: {Name: 'upscpro-stage2-docker'}})
    expect(selectorFor([a, b])).toEqual({ids: [a.instanceId, b.instanceId]})
    expect(selectorFor([b])).toEqual({ids: [b.instanceId]})
    expect(selectorFor([])).toBeUndefined()
  })

  it("proposes the stage's conventional instance, else the first", () => {
    expect(likelyInstance([b, a], 'stage2')).toBe(1)
    expect(likelyInstance([b, a], 'prod')).toBe(0)
  })

  it('reads a number, Enter as the default, and nothing else', () => {
    expect(parseNumbered('2', 3, 0)).toBe(1)
    expect(parseNumbered('  ', 3, 2)).toBe(2)
    expect(parseNumbered('4', 3, 0)).toBeUndefined()
    expect(parseNumbered('0', 3, 0)).toBeUndefined()
    expect(parseNumbered('i-0a', 3, 0)).toBeUndefined()
  })
})

describe('init rendering', () => {
  it('lines up the instances with their state and SSM ping', () => {
    expect(instanceChoiceLines([a, b])).toEqual([
      '  1) upscpro-stage2-docker  i-0aaaaaaaaaaaaaaaa  running   SSM Online',
      '  2) -                      i-0bbbbbbbbbbbbbbbb  stopped   not managed by SSM',
    ])
  })

  it('says what was found, or why the account could not be read', () => {
    expect(renderFindings({region: 'ap-south-1', regionSource: 'default', instances: [], tokenParameters: ['/t/github-token']})).toBe(
      'In ap-south-1:\nNo instance with a Name tag or an SSM agent.\nGitHub token parameters (SecureString): /t/github-token',
    )
    expect(renderFindings({region: 'ap-south-1', regionSource: 'default', instances: [], tokenParameters: [], problem: 'No AWS credentials.'})).toBe(
      'Could not look at the account in ap-south-1: No AWS credentials.\nWriting the config from the flags alone.',
    )
  })
})
