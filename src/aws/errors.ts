/**
 * Pure: an error thrown by the AWS SDK (or the network under it) -> an UpscError that says what
 * happened and what to do next, with its exit code. Unknown errors pass through unchanged.
 */
import {ExitCode} from '../errors/exit-codes.js'
import {UpscError} from '../errors/upsc-error.js'

interface SdkLikeError {
  name?: string
  message?: string
  code?: string
  Code?: string
  $metadata?: {httpStatusCode?: number}
  $fault?: string
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'AuthorizationError'])
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottledException',
  'ThrottledException',
])
const BAD_CREDENTIALS = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'AuthFailure', 'InvalidAccessKeyId'])
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired'])

export interface AwsErrorContext {
  /** The API call that failed, e.g. `ssm:SendCommand`: named in permission errors. */
  action?: string
  profile?: string
}

export function describeAwsError(error: unknown, context: AwsErrorContext = {}): unknown {
  if (error instanceof UpscError || typeof error !== 'object' || error === null) return error
  const e = error as SdkLikeError
  const name = e.name ?? e.code ?? e.Code ?? ''
  const message = e.message ?? ''
  const profileFlag = context.profile ? ` --profile ${context.profile}` : ''
  const action = context.action ? ` (${context.action})` : ''
  const fail = (code: string, text: string, hint: string, exitCode: number = ExitCode.awsAccess) =>
    new UpscError(code, text, {exitCode: exitCode as UpscError['exitCode'], hint, cause: error})

  if (
    /SSO session .* (is invalid|has expired)|Token is expired|The SSO session associated with this profile/i.test(message) ||
    (name === 'TokenProviderError' && /sso/i.test(message))
  )
    return fail(
      'sso-expired',
      `The AWS SSO session${context.profile ? ` for profile ${context.profile}` : ''} has expired.`,
      `Run \`aws sso login${profileFlag}\`, then try again.`,
    )
  if (name === 'CredentialsProviderError' || /Could not load credentials from any providers/i.test(message))
    return fail(
      'no-credentials',
      'No AWS credentials were found.',
      `Run \`aws configure${profileFlag}\` or \`aws sso login${profileFlag}\`, pass --profile, or export AWS_PROFILE.`,
    )
  if (/Region is missing/i.test(message))
    return fail('no-region', 'No AWS region is set.', 'Set "region" on the stage in upsc.config.json, pass --region, or export AWS_REGION.')
  if (EXPIRED.has(name))
    return fail('credentials-expired', `The AWS credentials have expired${action}.`, `Refresh them (for SSO: \`aws sso login${profileFlag}\`) and try again.`)
  if (BAD_CREDENTIALS.has(name))
    return fail(
      'credentials-invalid',
      `AWS rejected the credentials${action}: ${message}`,
      'Check the profile or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in use.',
    )
  if (ACCESS_DENIED.has(name) || e.$metadata?.httpStatusCode === 403)
    return fail(
      'access-denied',
      `Access denied${action}: ${message}`,
      `Grant${context.action ? ` ${context.action}` : ' the action'} to the caller; docs/IAM.md lists the least-privilege policy.`,
    )
  if (THROTTLED.has(name))
    return fail(
      'throttled',
      `AWS kept throttling the request${action} after retries.`,
      'Wait a minute and try again; if it persists, run fewer upsc commands at once.',
    )
  // Case-sensitive: "ResourceNotFoundException" must not read as ENOTFOUND.
  if (/\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET)\b|socket hang up/.test(`${name} ${message} ${e.code ?? ''}`))
    return fail('network', `Cannot reach the AWS endpoint${action}: ${message || name}`, 'Check the network, a proxy, or AWS_ENDPOINT_URL if you set one.')
  return error
}
