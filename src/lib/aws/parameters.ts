/** SSM Parameter Store: read and write the stage's env parameter (a SecureString). */
import type {SSMClient} from '@aws-sdk/client-ssm'

import {describeAwsError} from './errors.js'

/** The decrypted value, or undefined when the parameter does not exist. */
export async function readParameter(ssm: SSMClient, name: string): Promise<string | undefined> {
  const {GetParameterCommand} = await import('../../sdk/ssm.js')
  try {
    const out = await ssm.send(new GetParameterCommand({Name: name, WithDecryption: true}))
    return out.Parameter?.Value ?? ''
  } catch (error) {
    if ((error as {name?: string}).name === 'ParameterNotFound') return undefined
    throw describeAwsError(error, {action: 'ssm:GetParameter'})
  }
}

/** Create or overwrite the parameter as a SecureString (the account's default KMS key unless it has one). */
export async function writeSecureParameter(ssm: SSMClient, name: string, value: string): Promise<number | undefined> {
  const {PutParameterCommand} = await import('../../sdk/ssm.js')
  try {
    const out = await ssm.send(new PutParameterCommand({Name: name, Value: value, Type: 'SecureString', Overwrite: true}))
    return out.Version
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:PutParameter'})
  }
}
