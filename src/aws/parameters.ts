/**
 * Parameter Store. The GitHub token is handled by name only: upsc never reads its value on the laptop
 * (the host reads it with its instance role; DescribeParameters returns names and types, no values).
 * The app's env parameter is read and written here by `upsc env` (values shown only with --reveal).
 */
import type {SSMClient} from '@aws-sdk/client-ssm'

import {describeAwsError} from './errors.js'

export interface ParameterInfo {
  name: string
  type: string
}

/** Pure: does a parameter name look like it holds a GitHub token? */
export function looksLikeGithubToken(name: string): boolean {
  return /github|(^|[/_.-])(gh|git)[_.-]?(pat|token)|pat$/i.test(name)
}

export async function parameterExists(ssm: SSMClient, name: string): Promise<boolean> {
  const {DescribeParametersCommand} = await import('./sdk/ssm.js')
  const page = await ssm.send(new DescribeParametersCommand({ParameterFilters: [{Key: 'Name', Option: 'Equals', Values: [name]}]}))
  return (page.Parameters ?? []).some((p) => p.Name === name)
}

/** The SecureString parameters whose names look like a GitHub token (names only). */
export async function githubTokenParameters(ssm: SSMClient): Promise<ParameterInfo[]> {
  const {paginateDescribeParameters} = await import('./sdk/ssm.js')
  const found: ParameterInfo[] = []
  for await (const page of paginateDescribeParameters({client: ssm, pageSize: 50}, {ParameterFilters: [{Key: 'Type', Values: ['SecureString']}]}))
    for (const p of page.Parameters ?? []) if (p.Name && looksLikeGithubToken(p.Name)) found.push({name: p.Name, type: p.Type ?? 'SecureString'})
  return found.sort((a, b) => a.name.localeCompare(b.name))
}

/** The decrypted value, or undefined when the parameter does not exist. */
export async function readParameter(ssm: SSMClient, name: string): Promise<string | undefined> {
  const {GetParameterCommand} = await import('./sdk/ssm.js')
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
  const {PutParameterCommand} = await import('./sdk/ssm.js')
  try {
    const out = await ssm.send(new PutParameterCommand({Name: name, Value: value, Type: 'SecureString', Overwrite: true}))
    return out.Version
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:PutParameter'})
  }
}
