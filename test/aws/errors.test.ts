import {describe, expect, it} from 'vitest'

import {describeAwsError} from '../../src/aws/errors.js'
import type {UpscError} from '../../src/errors/upsc-error.js'

const err = (name: string, message = '', extra: object = {}) => Object.assign(new Error(message), {name, ...extra})

describe('describeAwsError', () => {
  it('names the SSO login to run when the session expired', () => {
    const e = describeAwsError(err('TokenProviderError', 'The SSO session associated with this profile has expired or is otherwise invalid.'), {
      profile: 'upsc-stage2',
    }) as UpscError
    expect(e.code).toBe('sso-expired')
    expect(e.exitCode).toBe(3)
    expect(e.hint).toContain('aws sso login --profile upsc-stage2')
  })

  it('explains missing credentials', () => {
    const e = describeAwsError(err('CredentialsProviderError', 'Could not load credentials from any providers')) as UpscError
    expect(e.code).toBe('no-credentials')
    expect(e.exitCode).toBe(3)
  })

  it('explains a missing region', () => {
    expect((describeAwsError(err('Error', 'Region is missing')) as UpscError).code).toBe('no-region')
  })

  it('names the IAM action on AccessDenied', () => {
    const e = describeAwsError(err('AccessDeniedException', 'User is not authorized'), {action: 'ssm:SendCommand'}) as UpscError
    expect(e.code).toBe('access-denied')
    expect(e.message).toContain('ssm:SendCommand')
    expect(e.hint).toContain('ssm:SendCommand')
  })

  it('maps EC2 UnauthorizedOperation and throttling', () => {
    expect((describeAwsError(err('UnauthorizedOperation'), {action: 'ec2:DescribeInstances'}) as UpscError).code).toBe('access-denied')
    expect((describeAwsError(err('RequestLimitExceeded')) as UpscError).code).toBe('throttled')
  })

  it('explains an unreachable endpoint', () => {
    expect((describeAwsError(err('Error', 'connect ECONNREFUSED 127.0.0.1:1')) as UpscError).code).toBe('network')
  })

  it('does not mistake ResourceNotFoundException for a network error', () => {
    const original = err('ResourceNotFoundException', 'The specified log group does not exist.')
    expect(describeAwsError(original)).toBe(original)
  })

  it('passes unknown errors through unchanged', () => {
    const original = err('SomethingElse', 'boom')
    expect(describeAwsError(original)).toBe(original)
  })
})
