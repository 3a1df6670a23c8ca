import type {STSClient} from '@aws-sdk/client-sts'

/** Who the credentials belong to (sts:GetCallerIdentity needs no permission). */
export async function callerIdentity(sts: STSClient): Promise<{arn?: string; account?: string}> {
  const {GetCallerIdentityCommand} = await import('./sdk/sts.js')
  const out = await sts.send(new GetCallerIdentityCommand({}))
  return {arn: out.Arn, account: out.Account}
}
