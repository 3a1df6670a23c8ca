/**
 * Every AWS API action upsc calls has a line in the documented policies (docs/IAM.md): the SDK
 * commands sent from src/, for the operator; the host scripts' `aws <service> <op>` calls, for the
 * instance role. A new call without a policy line fails here.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Statement {
  Sid?: string
  Effect: string
  Action: string | string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, unknown>>
}

function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path, keep) : keep(name) ? [path] : []
  })
}

/** The JSON policy right under a `## <heading>` of docs/IAM.md. */
function policy(heading: string): Statement[] {
  const doc = readFileSync(join(ROOT, 'docs/IAM.md'), 'utf8')
  const section = doc.split(/^## /m).find((s) => s.startsWith(heading))
  const json = /```json\n([\s\S]*?)\n```/.exec(section ?? '')?.[1]
  if (!json) throw new Error(`no JSON policy under "## ${heading}" in docs/IAM.md`)
  return (JSON.parse(json) as {Statement: Statement[]}).Statement
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v])
const granted = (statements: Statement[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => new RegExp(`^${a.replaceAll('*', '.*')}$`, 'i').test(action)))

/** SDK client packages -> IAM service prefixes. */
const SERVICES: Array<[string, string]> = [
  ['@aws-sdk/client-ssm', 'ssm'],
  ['@aws-sdk/client-ec2', 'ec2'],
  ['@aws-sdk/client-cloudwatch-logs', 'logs'],
  ['@aws-sdk/client-cloudwatch', 'cloudwatch'],
  ['@aws-sdk/client-sns', 'sns'],
  ['@aws-sdk/client-sts', 'sts'],
  ['@aws-sdk/client-iam', 'iam'],
]

/** `new XCommand(` and `paginateX` in src/: the operations the CLI sends, as `service:Action`. */
async function sdkActions(): Promise<string[]> {
  const names = new Set<string>()
  for (const file of files(join(ROOT, 'src'), (n) => n.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/new ([A-Z][A-Za-z0-9]+)Command\(|\bpaginate([A-Z][A-Za-z0-9]+)\(/g)) names.add(m[1] ?? m[2]!)
  }
  const modules = await Promise.all(SERVICES.map(async ([pkg, prefix]) => [(await import(pkg)) as Record<string, unknown>, prefix] as const))
  return [...names].map((name) => {
    const found = modules.find(([m]) => `${name}Command` in m)
    if (!found) throw new Error(`${name}Command is in none of ${SERVICES.map(([p]) => p).join(', ')}: add its client here`)
    return `${found[1]}:${name}`
  })
}

/** `aws <service> <op>` in the host scripts and the bootstrap's templates, outside comments. */
function hostActions(): string[] {
  const dirs = ['src/remote/scripts', 'src/bootstrap/templates'].map((d) => join(ROOT, d))
  const cliServices: Record<string, string> = {
    ssm: 'ssm',
    ec2: 'ec2',
    logs: 'logs',
    sts: 'sts',
    s3api: 's3',
    secretsmanager: 'secretsmanager',
    kms: 'kms',
    cloudwatch: 'cloudwatch',
    sns: 'sns',
  }
  const actions = new Set<string>()
  for (const file of dirs.flatMap((d) => files(d, () => true)))
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*#/.test(line)) continue
      for (const m of line.matchAll(/\baws ([a-z0-9]+) ([a-z][a-z0-9-]+)/g)) {
        const prefix = cliServices[m[1]!]
        if (prefix) actions.add(`${prefix}:${m[2]!.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`)
      }
    }
  return [...actions]
}

describe('the documented IAM policies cover every AWS call', () => {
  it('finds the calls (the scan itself works)', async () => {
    const sdk = await sdkActions()
    expect(sdk).toEqual(
      expect.arrayContaining([
        'ssm:SendCommand',
        'ssm:GetCommandInvocation',
        'ssm:ListCommandInvocations',
        'logs:GetLogEvents',
        'ec2:DescribeInstances',
        'sts:GetCallerIdentity',
      ]),
    )
    expect(hostActions()).toEqual(expect.arrayContaining(['ssm:GetParameter', 'ssm:GetDocument']))
  })

  it('the operator policy grants every SDK call in src/', async () => {
    const operator = policy('Operator policy')
    const missing = (await sdkActions()).filter((action) => granted(operator, action).length === 0)
    expect(missing, 'add these actions to the operator policy in docs/IAM.md').toEqual([])
  })

  it('the instance role grants every `aws` call of the host scripts and the bootstrap', () => {
    const role = policy('Instance role')
    const missing = hostActions().filter((action) => granted(role, action).length === 0)
    expect(missing, 'add these actions to the instance role in docs/IAM.md (and src/bootstrap/terraform.ts)').toEqual([])
    // --with-decryption of a SecureString: KMS through SSM
    expect(granted(role, 'kms:Decrypt')).toHaveLength(1)
  })

  it('SendCommand: the instances under the tag condition, the AWS-owned document in its own statement without it', () => {
    const sendCommand = granted(policy('Operator policy'), 'ssm:SendCommand')
    const onDocument = sendCommand.filter((s) => list(s.Resource).some((r) => r.includes(':document/AWS-RunShellScript')))
    const onInstances = sendCommand.filter((s) => list(s.Resource).some((r) => r.includes(':instance/')))
    expect(onDocument).toHaveLength(1)
    expect(onDocument[0]!.Condition).toBeUndefined()
    expect(onDocument[0]!.Resource).toBe('arn:aws:ssm:*::document/AWS-RunShellScript')
    expect(onInstances).toHaveLength(1)
    expect(Object.keys(onInstances[0]!.Condition?.StringEquals ?? {})).toEqual(['ssm:resourceTag/Name'])
    expect(onInstances[0]).not.toBe(onDocument[0])
  })

  it('no statement puts a document under a resource-tag condition', () => {
    for (const heading of ['Operator policy', 'Instance role'])
      for (const s of policy(heading)) {
        const tagged = JSON.stringify(s.Condition ?? {}).includes('resourceTag')
        if (tagged)
          expect(
            list(s.Resource).filter((r) => r.includes(':document/')),
            `${heading}: ${s.Sid}`,
          ).toEqual([])
      }
  })
})
