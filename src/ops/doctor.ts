/**
 * `upsc doctor`: check the laptop and the account, one check per thing that can be missing, each
 * failure with one fix. Independent checks run at once; a check that needs what failed before it
 * (credentials, the config) is skipped with the reason instead of failing twice.
 */
import type {AwsClients} from '../aws/clients.js'
import {describeAwsError} from '../aws/errors.js'
import {callerIdentity} from '../aws/identity.js'
import {deniedActions, instanceProfileRole, OPERATOR_ACTIONS, parameterArn, principalArnOf} from '../aws/iam.js'
import {logGroupExists} from '../aws/log-groups.js'
import {parameterExists} from '../aws/parameters.js'
import type {RegionChoice} from '../config/region.js'
import {locatePlugin} from '../aws/session.js'
import {resolveTargets, type Target} from '../aws/targets.js'
import {type LoadedConfig, loadConfigOrBuiltIn, selectStage, type StageConfig} from '../config/load.js'
import {ExitCode} from '../errors/exit-codes.js'
import {unreachableReasons} from './preflight.js'
import {describeManaged} from '../aws/instance-status.js'
import {conventionalTokenParameter} from './token-parameter.js'

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip'

export interface DoctorCheck {
  id: string
  label: string
  verdict: Verdict
  detail: string
  /** One thing to do, for a failure (or a warning). */
  fix?: string
}

export interface DoctorResult {
  checks: DoctorCheck[]
  summary: Record<Verdict, number>
  exitCode: number
}

export interface DoctorInput {
  clients: AwsClients
  region: RegionChoice
  profile?: string
  /** The config, or why it could not be loaded. */
  config: {loaded: LoadedConfig; stage: StageConfig} | {error: Error & {hint?: string}}
  instances: string[]
  nodeVersion: string
  env: NodeJS.ProcessEnv
}

const check = (id: string, label: string, verdict: Verdict, detail: string, fix?: string): DoctorCheck => ({id, label, verdict, detail, ...(fix ? {fix} : {})})

/** An AWS error -> a failed check whose fix is the error's own hint. */
function failed(id: string, label: string, error: unknown, action: string, profile?: string): DoctorCheck {
  const mapped = describeAwsError(error, {action, profile}) as Error & {hint?: string}
  return check(id, label, 'fail', mapped.message, mapped.hint)
}

/** Pure: Node 20 or later. */
export function nodeCheck(version: string): DoctorCheck {
  const major = Number(version.replace(/^v/, '').split('.')[0])
  return major >= 20
    ? check('node', 'Node.js', 'ok', `v${version.replace(/^v/, '')}`)
    : check('node', 'Node.js', 'fail', `v${version.replace(/^v/, '')} is too old`, 'Install Node.js 20 or later (https://nodejs.org), then run upsc again.')
}

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/
const SOURCE: Record<RegionChoice['source'], string> = {
  '--region': '--region',
  config: 'the config',
  AWS_REGION: 'AWS_REGION',
  AWS_DEFAULT_REGION: 'AWS_DEFAULT_REGION',
  profile: 'the profile',
  default: 'the default',
}

/** Pure: the region is well formed, and where it came from. */
export function regionCheck(region: RegionChoice): DoctorCheck {
  if (!REGION_PATTERN.test(region.region))
    return check(
      'region',
      'Region',
      'fail',
      `"${region.region}" (from ${SOURCE[region.source]}) is not an AWS region`,
      'Pass --region ap-south-1 (or your stage\'s), or fix AWS_REGION / the config\'s "region".',
    )
  return check('region', 'Region', 'ok', `${region.region} (from ${SOURCE[region.source]})`)
}

async function pluginCheck(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  try {
    const plugin = await locatePlugin(env)
    return check('plugin', 'session-manager-plugin', 'ok', `${plugin.version} at ${plugin.path}`)
  } catch (error) {
    const e = error as Error & {hint?: string}
    // Only `upsc ssh` needs it: a warning, not a failure.
    const guide = /https:\/\/docs\.aws\.amazon\.com\/\S+/.exec(e.hint ?? '')?.[0]
    return check('plugin', 'session-manager-plugin', 'warn', `${e.message.split('. ')[0]} (needed by upsc ssh only)`, guide ? `Install it: ${guide}` : e.hint)
  }
}

interface Caller {
  arn: string
  account: string
}

async function callerCheck(input: DoctorInput): Promise<{check: DoctorCheck; caller?: Caller}> {
  try {
    const {arn, account} = await callerIdentity(await input.clients.sts())
    return {check: check('credentials', 'Credentials', 'ok', `${arn} (account ${account})`), caller: {arn: arn ?? '', account: account ?? ''}}
  } catch (error) {
    return {check: failed('credentials', 'Credentials', error, 'sts:GetCallerIdentity', input.profile)}
  }
}

async function instanceChecks(input: DoctorInput, stage: StageConfig): Promise<{checks: DoctorCheck[]; targets: Target[]}> {
  try {
    const targets = await resolveTargets(await input.clients.ec2(), stage.instances, input.instances, stage.name)
    const managed = await describeManaged(
      await input.clients.ssm(),
      targets.map((t) => t.instanceId),
    )
    const checks = targets.map((t) => {
      const label = `Instance ${t.name ?? t.instanceId}`
      const [reason] = unreachableReasons([t], managed)
      if (!reason) return check(`instance.${t.instanceId}`, label, 'ok', `${t.instanceId} running, SSM agent online`)
      const fix =
        t.state !== 'running'
          ? `Start it: aws ec2 start-instances --instance-ids ${t.instanceId}`
          : 'Attach an instance profile with AmazonSSMManagedInstanceCore and check the SSM agent (docs/BOOTSTRAP.md#the-instance-role).'
      return check(`instance.${t.instanceId}`, label, 'fail', reason, fix)
    })
    return {checks, targets}
  } catch (error) {
    const mapped = describeAwsError(error, {action: 'ec2:DescribeInstances', profile: input.profile}) as Error & {hint?: string}
    const hint = (mapped as {code?: string}).code === 'instance-not-found' ? `${mapped.hint} \`upsc init\` lists the region's instances.` : mapped.hint
    return {checks: [check('instances', 'Instances', 'fail', mapped.message.split('\n')[0]!, hint)], targets: []}
  }
}

async function logGroupCheck(input: DoctorInput, stage: StageConfig): Promise<DoctorCheck> {
  try {
    if (await logGroupExists(await input.clients.logs(), stage.logGroup)) return check('logs.group', 'Log group', 'ok', stage.logGroup)
    return check(
      'logs.group',
      'Log group',
      'fail',
      `${stage.logGroup} does not exist in ${input.region.region}`,
      `Bootstrap the host (its CloudWatch agent creates it: docs/BOOTSTRAP.md), or: aws logs create-log-group --log-group-name ${stage.logGroup} --region ${input.region.region}`,
    )
  } catch (error) {
    return failed('logs.group', 'Log group', error, 'logs:DescribeLogGroups', input.profile)
  }
}

async function tokenCheck(input: DoctorInput, stage: StageConfig, builtIn: boolean): Promise<{check: DoctorCheck; name?: string}> {
  const name = stage.githubTokenParameter ?? (builtIn ? conventionalTokenParameter(stage.name) : undefined)
  if (!name) return {check: check('token', 'Token parameter', 'skip', 'no githubTokenParameter in the config (a public repository needs none)')}
  try {
    if (await parameterExists(await input.clients.ssm(), name))
      return {check: check('token', 'Token parameter', 'ok', `${name} (SecureString, value not read)`), name}
    return {
      check: check(
        'token',
        'Token parameter',
        'fail',
        `${name} does not exist in ${input.region.region}`,
        `aws ssm put-parameter --type SecureString --name ${name} --value "$GITHUB_TOKEN" --region ${input.region.region}`,
      ),
    }
  } catch (error) {
    return {check: failed('token', 'Token parameter', error, 'ssm:DescribeParameters', input.profile)}
  }
}

/** Why a simulation could not run: AccessDenied, or an endpoint that does not implement it. */
function simulationSkipped(id: string, label: string, error: unknown): DoctorCheck {
  const e = error as {name?: string; message?: string; $metadata?: {httpStatusCode?: number}}
  const denied = e.name === 'AccessDenied' || e.name === 'AccessDeniedException' || e.$metadata?.httpStatusCode === 403
  const status = e.$metadata?.httpStatusCode
  const why = denied
    ? 'the caller may not call iam:SimulatePrincipalPolicy'
    : `iam:SimulatePrincipalPolicy is not available at this endpoint (${status ? `HTTP ${status}` : (e.name ?? 'error')}: ${(e.message ?? '').split('\n')[0]!.slice(0, 100)})`
  return check(id, label, 'skip', `not checked: ${why}`)
}

async function iamChecks(input: DoctorInput, caller: Caller, targets: Target[], tokenName?: string): Promise<DoctorCheck[]> {
  const iam = await input.clients.iam()
  const principal = principalArnOf(caller.arn)
  const operator = deniedActions(iam, principal, OPERATOR_ACTIONS).then(
    (denied) =>
      denied.length === 0
        ? check('iam.operator', 'IAM: your permissions', 'ok', `${OPERATOR_ACTIONS.length} actions allowed for ${principal}`)
        : check(
            'iam.operator',
            'IAM: your permissions',
            'fail',
            `not allowed: ${denied.join(', ')}`,
            `Grant them to ${principal}: docs/IAM.md has the least-privilege policy.`,
          ),
    (error: unknown) => simulationSkipped('iam.operator', 'IAM: your permissions', error),
  )
  const profiles = [...new Set(targets.map((t) => t.instanceProfileArn).filter((a): a is string => Boolean(a)))]
  const partition = caller.arn.split(':')[1] ?? 'aws'
  const roles = !tokenName
    ? []
    : profiles.length === 0
      ? [
          check(
            'iam.token',
            'IAM: instance role reads the token',
            'skip',
            targets.length === 0 ? 'not checked: no instance found' : 'not checked: the instances have no instance profile',
          ),
        ]
      : profiles.map(async (profileArn) => {
          try {
            const role = await instanceProfileRole(iam, profileArn)
            if (!role)
              return check(
                'iam.token',
                'IAM: instance role reads the token',
                'fail',
                `${profileArn} has no role`,
                "Add the stage's role to the instance profile (docs/BOOTSTRAP.md#the-instance-role).",
              )
            const denied = await deniedActions(iam, role, ['ssm:GetParameter'], [parameterArn(partition, input.region.region, caller.account, tokenName)])
            return denied.length === 0
              ? check('iam.token', 'IAM: instance role reads the token', 'ok', `${role} may ssm:GetParameter ${tokenName}`)
              : check(
                  'iam.token',
                  'IAM: instance role reads the token',
                  'fail',
                  `${role} may not ssm:GetParameter ${tokenName}`,
                  'Allow ssm:GetParameter on the parameter (and kms:Decrypt on its key) in the instance role: docs/BOOTSTRAP.md#the-instance-role.',
                )
          } catch (error) {
            return simulationSkipped('iam.token', 'IAM: instance role reads the token', error)
          }
        })
  return Promise.all([operator, ...roles])
}

/** Pure: the summary and the exit code (1 when anything fails). */
export function summarize(checks: DoctorCheck[]): DoctorResult {
  const summary: Record<Verdict, number> = {ok: 0, warn: 0, fail: 0, skip: 0}
  for (const c of checks) summary[c.verdict]++
  return {checks, summary, exitCode: summary.fail > 0 ? ExitCode.failed : ExitCode.ok}
}

export async function runDoctor(input: DoctorInput): Promise<DoctorResult> {
  const region = regionCheck(input.region)
  const [plugin, caller] = await Promise.all([pluginCheck(input.env), region.verdict === 'ok' ? callerCheck(input) : Promise.resolve(undefined)])
  const checks = [nodeCheck(input.nodeVersion), region, ...(caller ? [caller.check] : []), plugin]
  if ('error' in input.config) {
    checks.push(check('config', 'Config', 'fail', input.config.error.message, input.config.error.hint))
    return summarize(checks)
  }
  const {loaded, stage} = input.config
  checks.push(check('config', 'Config', 'ok', loaded.builtIn ? `no file: the built-in stage ${stage.name}` : `${loaded.file}, stage ${stage.name}`))
  if (!caller?.caller) {
    checks.push(check('account', 'Account checks', 'skip', region.verdict === 'ok' ? 'not checked: no working credentials' : 'not checked: no valid region'))
    return summarize(checks)
  }
  const [instances, logGroup, token] = await Promise.all([
    instanceChecks(input, stage),
    logGroupCheck(input, stage),
    tokenCheck(input, stage, Boolean(loaded.builtIn)),
  ])
  checks.push(...instances.checks, logGroup, token.check)
  checks.push(...(await iamChecks(input, caller.caller, instances.targets, token.name)))
  return summarize(checks)
}

/** The config and stage, or the error that stops loading them (doctor reports it as a check). */
export function loadForDoctor(options: {flag?: string; cwd: string; env: NodeJS.ProcessEnv}, requested?: string): DoctorInput['config'] {
  try {
    const loaded = loadConfigOrBuiltIn(options)
    return {loaded, stage: selectStage(loaded, requested)}
  } catch (error) {
    return {error: error as Error & {hint?: string}}
  }
}
