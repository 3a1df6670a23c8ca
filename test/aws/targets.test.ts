import {describe, expect, it} from 'vitest'

import {checkTargets, filtersFor, type Target} from '../../src/aws/targets.js'
import type {UpscError} from '../../src/errors/upsc-error.js'

const t = (instanceId: string, name?: string, state = 'running'): Target => ({instanceId, name, state})

describe('filtersFor', () => {
  it('selects by the stage tags, excluding terminated instances', () => {
    expect(filtersFor({tags: {Name: 'upscpro-stage2-docker'}}, [])).toEqual([
      [
        {Name: 'tag:Name', Values: ['upscpro-stage2-docker']},
        {Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped']},
      ],
    ])
  })

  it('splits explicit values into ids and Name tags', () => {
    const filters = filtersFor({tags: {Name: 'x'}}, ['i-0123456789abcdef0', 'web-1'])
    expect(filters[0]).toEqual([{Name: 'instance-id', Values: ['i-0123456789abcdef0']}])
    expect(filters[1]![0]).toEqual({Name: 'tag:Name', Values: ['web-1']})
  })
})

describe('checkTargets', () => {
  it('lists the candidates when a Name tag is ambiguous', () => {
    const error = (() => {
      try {
        checkTargets([t('i-00000001', 'web'), t('i-00000002', 'web', 'stopped')], {}, ['web'], 's')
      } catch (e) {
        return e as UpscError
      }
    })()
    expect(error?.code).toBe('instance-ambiguous')
    expect(error?.message).toContain('i-00000001  running')
    expect(error?.message).toContain('i-00000002  stopped')
    expect(error?.hint).toContain('instance id')
  })

  it('fails (exit 4) when an explicit instance is not found', () => {
    expect(() => checkTargets([], {}, ['i-0123456789abcdef0'], 's')).toThrow(expect.objectContaining({code: 'instance-not-found', exitCode: 4}))
  })

  it('fails when the selector matches nothing, naming the selector', () => {
    expect(() => checkTargets([], {tags: {Name: 'upscpro-stage2-docker'}}, [], 'stage2')).toThrow(/stage "stage2" matches tag Name=upscpro-stage2-docker/)
  })

  it('orders a stage by name, then id', () => {
    expect(checkTargets([t('i-00000003', 'b'), t('i-00000002', 'a'), t('i-00000001', 'a')], {tags: {Env: 'x'}}, [], 's').map((x) => x.instanceId)).toEqual([
      'i-00000001',
      'i-00000002',
      'i-00000003',
    ])
  })
})
