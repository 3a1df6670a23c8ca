import {describe, expect, it} from 'vitest'

import type {UpscError} from '../../src/errors/upsc-error.js'
import {streamFilter} from '../../src/logs/event.js'
import {
  effectiveStreams,
  explicitInstanceIds,
  groupFromIdentifier,
  labeller,
  liveStreams,
  logGroupArn,
  logGroups,
  missingGroupsError,
  needsInstances,
  planSources,
  shortGroupNames,
  type SelectionInput,
} from '../../src/logs/sources.js'

const GROUP = '/aws/ec2/upscpro-stage2-docker'
const ALIASES = {'user-data': '{instance_id}/user-data', deploy: '{instance_id}/deploy', nginx: 'nginx/access'}
const input = (over: Partial<SelectionInput> = {}): SelectionInput => ({
  groups: [GROUP],
  streams: [],
  aliases: ALIASES,
  instanceIds: ['i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'],
  instancesGiven: false,
  ...over,
})

describe('logGroups', () => {
  it('puts the stage group first and adds each --group once', () => {
    expect(logGroups(GROUP, ['/aws/ssm/AWS-RunShellScript', GROUP, '/aws/ssm/AWS-RunShellScript'])).toEqual([GROUP, '/aws/ssm/AWS-RunShellScript'])
  })
})

describe('planSources', () => {
  it('reads every stream of every group when no stream is chosen', () => {
    expect(planSources(input({groups: [GROUP, '/other']}))).toEqual([{group: GROUP}, {group: '/other'}])
  })

  it('expands an alias with {instance_id} for each instance, into exact names', () => {
    expect(planSources(input({streams: ['deploy']}))).toEqual([{group: GROUP, names: ['i-0aaaaaaaaaaaaaaa1/deploy', 'i-0bbbbbbbbbbbbbbb2/deploy']}])
  })

  it('takes an alias without {instance_id} as its name, and anything else as a prefix', () => {
    expect(planSources(input({streams: ['nginx', 'app/api']}))).toEqual([
      {group: GROUP, names: ['nginx/access']},
      {group: GROUP, prefix: 'app/api'},
    ])
  })

  it('drops names and prefixes already covered by a shorter prefix, so no event is read twice', () => {
    expect(planSources(input({streams: ['app/', 'app/api', 'i-0aaaaaaaaaaaaaaa1', 'deploy', 'user-data']}))).toEqual([
      {group: GROUP, names: ['i-0bbbbbbbbbbbbbbb2/deploy', 'i-0bbbbbbbbbbbbbbb2/user-data']},
      {group: GROUP, prefix: 'app/'},
      {group: GROUP, prefix: 'i-0aaaaaaaaaaaaaaa1'},
    ])
  })

  it('applies the selection to every group', () => {
    expect(planSources(input({groups: [GROUP, '/other'], streams: ['app/']}))).toEqual([
      {group: GROUP, prefix: 'app/'},
      {group: '/other', prefix: 'app/'},
    ])
  })

  it('splits more than 100 names into several queries (the API limit)', () => {
    const ids = Array.from({length: 150}, (_, i) => `i-${String(i).padStart(17, '0')}`)
    const sources = planSources(input({streams: ['deploy'], instanceIds: ids}))
    expect(sources.map((s) => s.names?.length)).toEqual([100, 50])
  })

  it('with --instance alone, reads every stream of those instances: the {instance_id}/ prefix covers their aliases', () => {
    const selection = input({instancesGiven: true, instanceIds: ['i-0aaaaaaaaaaaaaaa1']})
    expect(effectiveStreams(selection)).toEqual(['user-data', 'deploy'])
    expect(planSources(selection)).toEqual([{group: GROUP, prefix: 'i-0aaaaaaaaaaaaaaa1/'}])
    // An alias elsewhere than under the prefix is still read.
    expect(planSources(input({instancesGiven: true, instanceIds: ['i-0aaaaaaaaaaaaaaa1'], aliases: {deploy: 'deploys/{instance_id}'}}))).toEqual([
      {group: GROUP, names: ['deploys/i-0aaaaaaaaaaaaaaa1']},
      {group: GROUP, prefix: 'i-0aaaaaaaaaaaaaaa1/'},
    ])
  })

  it("with --service, reads that service's container stream on each instance (or under the containers alias)", () => {
    const ids = ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2']
    expect(planSources(input({services: ['api'], instanceIds: ids}))).toEqual([
      {group: GROUP, names: ['i-0aaaaaaaaaaaaaaa1/containers/api', 'i-0aaaaaaaaaaaaaaa2/containers/api']},
    ])
    expect(
      planSources(input({services: ['api', 'worker'], instanceIds: ids.slice(0, 1), instancesGiven: true, aliases: {containers: 'ctr/{instance_id}'}})),
    ).toEqual([{group: GROUP, names: ['ctr/i-0aaaaaaaaaaaaaaa1/api', 'ctr/i-0aaaaaaaaaaaaaaa1/worker']}])
    expect(needsInstances(input({services: ['api']}))).toBe(true)
    expect(() => planSources(input({services: ['api/x']}))).toThrow('--service "api/x" is not a compose service name.')
  })

  it.each(['', 'app/*', 'a:b'])('refuses --stream %j with a usage error listing the aliases', (value) => {
    let error: UpscError | undefined
    try {
      planSources(input({streams: [value]}))
    } catch (e) {
      error = e as UpscError
    }
    expect(error?.exitCode).toBe(2)
    expect(error?.message).toBe(`--stream "${value}" is not a stream name, prefix or alias.`)
    expect(error?.hint).toContain('Aliases of this stage: user-data, deploy, nginx.')
  })
})

describe('needsInstances / explicitInstanceIds', () => {
  it('needs instance ids only for an alias with {instance_id}', () => {
    expect(needsInstances(input())).toBe(false)
    expect(needsInstances(input({streams: ['nginx', 'app/']}))).toBe(false)
    expect(needsInstances(input({streams: ['deploy']}))).toBe(true)
    expect(needsInstances(input({instancesGiven: true}))).toBe(true)
  })

  it('uses --instance values as they are when all are instance ids', () => {
    expect(explicitInstanceIds(['i-0aaaaaaaaaaaaaaa1', 'i-12345678'])).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-12345678'])
    expect(explicitInstanceIds(['i-0aaaaaaaaaaaaaaa1', 'web-1'])).toBeUndefined()
    expect(explicitInstanceIds([])).toBeUndefined()
  })
})

describe('streamFilter', () => {
  it('checks names exactly and prefixes by start', () => {
    const byName = streamFilter({group: GROUP, names: ['a/deploy']})
    expect([byName('a/deploy'), byName('a/deploy2'), byName('a')]).toEqual([true, false, false])
    const byPrefix = streamFilter({group: GROUP, prefix: 'app/'})
    expect([byPrefix('app/api'), byPrefix('app'), byPrefix('x/app/')]).toEqual([true, false, false])
    expect(streamFilter({group: GROUP})('anything')).toBe(true)
  })
})

describe('labels', () => {
  it('shortens group names to the fewest trailing segments that stay unique', () => {
    expect([...shortGroupNames(['/aws/ec2/upscpro-stage2-docker', '/aws/ssm/AWS-RunShellScript'])]).toEqual([
      ['/aws/ec2/upscpro-stage2-docker', 'upscpro-stage2-docker'],
      ['/aws/ssm/AWS-RunShellScript', 'AWS-RunShellScript'],
    ])
    expect([...shortGroupNames(['/a/x/app', '/b/x/app', '/c/y/app'])]).toEqual([
      ['/a/x/app', 'a/x/app'],
      ['/b/x/app', 'b/x/app'],
      ['/c/y/app', 'y/app'],
    ])
  })

  it('labels with the stream alone for one group, with the short group name for several', () => {
    expect(labeller([GROUP])(GROUP, 'i-1/deploy')).toBe('i-1/deploy')
    expect(labeller([GROUP, '/aws/ssm/AWS-RunShellScript'])('/aws/ssm/AWS-RunShellScript', 'c-1/i-1/aws-runShellScript/stdout')).toBe(
      'AWS-RunShellScript:c-1/i-1/aws-runShellScript/stdout',
    )
  })
})

describe('Live Tail identifiers', () => {
  it("builds a log group ARN in the caller's partition", () => {
    expect(logGroupArn('arn:aws:sts::123456789012:assumed-role/ops/me', '123456789012', 'eu-central-1', GROUP)).toBe(
      'arn:aws:logs:eu-central-1:123456789012:log-group:/aws/ec2/upscpro-stage2-docker',
    )
    expect(logGroupArn('arn:aws-cn:iam::123456789012:user/me', '123456789012', 'cn-north-1', '/g')).toBe('arn:aws-cn:logs:cn-north-1:123456789012:log-group:/g')
  })

  it('reads the group name back from an ARN or a name', () => {
    expect(groupFromIdentifier('arn:aws:logs:eu-central-1:123456789012:log-group:/aws/ec2/x')).toBe('/aws/ec2/x')
    expect(groupFromIdentifier('arn:aws:logs:eu-central-1:123456789012:log-group:/aws/ec2/x:*')).toBe('/aws/ec2/x')
    expect(groupFromIdentifier('/aws/ec2/x')).toBe('/aws/ec2/x')
  })
})

describe('liveStreams', () => {
  it('chooses streams server-side for a single group, by names or by prefixes', () => {
    expect(
      liveStreams([
        {group: '/g', names: ['i-1/deploy']},
        {group: '/g', names: ['i-2/deploy']},
      ]),
    ).toEqual({streamNames: ['i-1/deploy', 'i-2/deploy']})
    expect(
      liveStreams([
        {group: '/g', prefix: 'app/'},
        {group: '/g', prefix: 'i-1/'},
      ]),
    ).toEqual({streamPrefixes: ['app/', 'i-1/']})
  })

  it('asks for every stream with several groups, a whole group, or names and prefixes mixed', () => {
    expect(
      liveStreams([
        {group: '/g', names: ['a']},
        {group: '/h', names: ['b']},
      ]),
    ).toEqual({})
    expect(liveStreams([{group: '/g', names: ['a']}, {group: '/g'}])).toEqual({})
    expect(
      liveStreams([
        {group: '/g', names: ['a']},
        {group: '/g', prefix: 'app/'},
      ]),
    ).toEqual({})
  })
})

describe('missingGroupsError', () => {
  it('names the groups, exit 1, with where to look', () => {
    const one = missingGroupsError(['/nope'])
    expect([one.code, one.message, one.exitCode]).toEqual(['log-group-missing', 'Log group /nope does not exist.', 1])
    expect(one.hint).toBe('Check the stage\'s "logGroup" in upsc.config.json (or --group) and --region; the hosts create the group when they first ship logs.')
    expect(missingGroupsError(['/a', '/b']).message).toBe('Log groups /a, /b do not exist.')
  })
})
