/**
 * What upsc needs from IAM, checked by `upsc doctor` with iam:SimulatePrincipalPolicy (the actions
 * are the ones docs/IAM.md grants). The ARN arithmetic is pure; the two calls are the side effects.
 */
import type {IAMClient} from '@aws-sdk/client-iam'

/** The operator's actions for status, deploy, rollback, exec, logs, init and doctor (docs/IAM.md). */
export const OPERATOR_ACTIONS = [
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceStatus',
  'ssm:DescribeInstanceInformation',
  'ssm:SendCommand',
  'ssm:GetCommandInvocation',
  'ssm:ListCommandInvocations',
  'ssm:CancelCommand',
  'ssm:DescribeParameters',
  'logs:DescribeLogGroups',
  'logs:DescribeLogStreams',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'sts:GetCallerIdentity',
] as const

/** Pure: the principal to simulate for a caller: an assumed role's session -> the role (path unknown). */
export function principalArnOf(callerArn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn)
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : callerArn
}

/** Pure: a parameter's ARN (names without a leading slash get one, as SSM writes them). */
export function parameterArn(partition: string, region: string, account: string, name: string): string {
  return `arn:${partition}:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`
}

/** The actions the principal is not allowed (implicitly or explicitly denied). */
export async function deniedActions(iam: IAMClient, principalArn: string, actions: readonly string[], resourceArns?: string[]): Promise<string[]> {
  const {SimulatePrincipalPolicyCommand} = await import('./sdk/iam.js')
  const out = await iam.send(
    new SimulatePrincipalPolicyCommand({PolicySourceArn: principalArn, ActionNames: [...actions], ...(resourceArns ? {ResourceArns: resourceArns} : {})}),
  )
  return (out.EvaluationResults ?? []).filter((r) => r.EvalDecision !== 'allowed').map((r) => r.EvalActionName ?? '?')
}

/** The role of an instance profile, from its ARN. */
export async function instanceProfileRole(iam: IAMClient, instanceProfileArn: string): Promise<string | undefined> {
  const {GetInstanceProfileCommand} = await import('./sdk/iam.js')
  const name = instanceProfileArn.split('/').pop()!
  const out = await iam.send(new GetInstanceProfileCommand({InstanceProfileName: name}))
  return out.InstanceProfile?.Roles?.[0]?.Arn
}
