import {describe, expect, it} from 'vitest'

import {parameterArn, principalArnOf} from '../../src/aws/iam.js'
import {nodeCheck, regionCheck, summarize} from '../../src/ops/doctor.js'
import {renderDoctor} from '../../src/render/doctor.js'

describe('doctor checks', () => {
  it('wants Node.js 20 or later', () => {
    expect(nodeCheck('20.20.2')).toEqual({id: 'node', label: 'Node.js', verdict: 'ok', detail: 'v20.20.2'})
    expect(nodeCheck('18.19.0')).toMatchObject({verdict: 'fail', detail: 'v18.19.0 is too old', fix: expect.stringContaining('Node.js 20 or later')})
  })

  it('checks the region and says where it came from', () => {
    expect(regionCheck({region: 'ap-south-1', source: 'default'})).toMatchObject({verdict: 'ok', detail: 'ap-south-1 (from the default)'})
    expect(regionCheck({region: 'us-gov-west-1', source: 'profile'})).toMatchObject({verdict: 'ok'})
    expect(regionCheck({region: 'Mumbai', source: 'AWS_REGION'})).toMatchObject({verdict: 'fail', detail: '"Mumbai" (from AWS_REGION) is not an AWS region'})
  })

  it('exits 1 when any check fails; warnings and skips pass', () => {
    const ok = {id: 'a', label: 'A', verdict: 'ok' as const, detail: ''}
    expect(summarize([ok, {...ok, verdict: 'warn'}, {...ok, verdict: 'skip'}])).toMatchObject({exitCode: 0, summary: {ok: 1, warn: 1, fail: 0, skip: 1}})
    expect(summarize([ok, {...ok, verdict: 'fail'}]).exitCode).toBe(1)
  })

  it('simulates the role behind an assumed-role session, and a user as it is', () => {
    expect(principalArnOf('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_abc/jane@example.com')).toBe(
      'arn:aws:iam::123456789012:role/AWSReservedSSO_Dev_abc',
    )
    expect(principalArnOf('arn:aws:iam::123456789012:user/jane')).toBe('arn:aws:iam::123456789012:user/jane')
    expect(parameterArn('aws', 'ap-south-1', '123456789012', '/upscpro/stage2/github-token')).toBe(
      'arn:aws:ssm:ap-south-1:123456789012:parameter/upscpro/stage2/github-token',
    )
  })
})

describe('renderDoctor', () => {
  it('prints one line per check and the fix under a failure', () => {
    const text = renderDoctor(
      summarize([
        {id: 'node', label: 'Node.js', verdict: 'ok', detail: 'v20.20.2'},
        {id: 'token', label: 'Token parameter', verdict: 'fail', detail: '/t does not exist', fix: 'aws ssm put-parameter ...'},
      ]),
    )
    expect(text).toBe(
      [
        '   Check            Detail',
        '✔  Node.js          v20.20.2',
        '✖  Token parameter  /t does not exist',
        '                    fix: aws ssm put-parameter ...',
        '✖ 1 ok, 0 warnings, 1 failed, 0 skipped: fix the failures above, then run upsc doctor again.',
      ].join('\n'),
    )
  })
})
