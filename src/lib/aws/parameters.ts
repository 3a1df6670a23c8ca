/**
 * Parameter Store, by name only: upsc never reads a secret's value on the laptop (the host reads the
 * token with its instance role). DescribeParameters returns names and types, no values.
 */
import type {SSMClient} from '@aws-sdk/client-ssm'

export interface ParameterInfo {
  name: string
  type: string
}

/** Pure: does a parameter name look like it holds a GitHub token? */
export function looksLikeGithubToken(name: string): boolean {
  return /github|(^|[/_.-])(gh|git)[_.-]?(pat|token)|pat$/i.test(name)
}

export async function parameterExists(ssm: SSMClient, name: string): Promise<boolean> {
  const {DescribeParametersCommand} = await import('../../sdk/ssm.js')
  const page = await ssm.send(new DescribeParametersCommand({ParameterFilters: [{Key: 'Name', Option: 'Equals', Values: [name]}]}))
  return (page.Parameters ?? []).some((p) => p.Name === name)
}

/** The SecureString parameters whose names look like a GitHub token (names only). */
export async function githubTokenParameters(ssm: SSMClient): Promise<ParameterInfo[]> {
  const {paginateDescribeParameters} = await import('../../sdk/ssm.js')
  const found: ParameterInfo[] = []
  for await (const page of paginateDescribeParameters({client: ssm, pageSize: 50}, {ParameterFilters: [{Key: 'Type', Values: ['SecureString']}]}))
    for (const p of page.Parameters ?? []) if (p.Name && looksLikeGithubToken(p.Name)) found.push({name: p.Name, type: p.Type ?? 'SecureString'})
  return found.sort((a, b) => a.name.localeCompare(b.name))
}
