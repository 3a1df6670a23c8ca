/**
 * `upsc env show|set|unset|push`: the app's .env lives in the stage's envParameter (a SecureString).
 * show/set/unset talk to Parameter Store from here; push writes it on the hosts through the deploy
 * path (the host reads the parameter itself: values never travel in a Run Command).
 */
import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {diffEnv, editEnv, type EnvChange, type EnvEntry, MASK, parseEnv} from '../env/dotenv.js'
import {usageError} from '../errors/upsc-error.js'
import type {DeployResult} from '../outcome/results.js'
import {type DeployEvents, runDeploy} from './deploy.js'

export interface EnvShowResult {
  stage: string
  parameter: string
  exists: boolean
  revealed: boolean
  /** Values are MASK unless revealed. */
  variables: EnvEntry[]
}

export interface EnvEditPlan {
  stage: string
  parameter: string
  before: string
  after: string
  changes: EnvChange[]
}

export interface EnvEditResult {
  stage: string
  parameter: string
  changes: EnvChange[]
  applied: boolean
  version: number | null
}

export function envParameterOf(stage: StageConfig): string {
  if (!stage.envParameter)
    throw usageError(
      'no-env-parameter',
      `Stage ${stage.name} has no envParameter.`,
      'Set "envParameter" (an SSM parameter name such as /upscpro/stage2/env) for the stage in upsc.config.json.',
    )
  return stage.envParameter
}

export async function showEnv(ctx: StageContext, reveal: boolean): Promise<EnvShowResult> {
  const parameter = envParameterOf(ctx.stage)
  const {readParameter} = await import('../aws/parameters.js')
  const text = await readParameter(await ctx.clients.ssm(), parameter)
  const variables = parseEnv(text ?? '').map((e) => ({key: e.key, value: reveal ? e.value : MASK}))
  return {stage: ctx.stage.name, parameter, exists: text !== undefined, revealed: reveal, variables}
}

export async function planEnvEdit(ctx: StageContext, set: EnvEntry[], unset: string[]): Promise<EnvEditPlan> {
  const parameter = envParameterOf(ctx.stage)
  const {readParameter} = await import('../aws/parameters.js')
  const before = (await readParameter(await ctx.clients.ssm(), parameter)) ?? ''
  const after = editEnv(before, set, unset)
  return {stage: ctx.stage.name, parameter, before, after, changes: diffEnv(before, after)}
}

export async function applyEnvEdit(ctx: StageContext, plan: EnvEditPlan): Promise<EnvEditResult> {
  const base = {stage: plan.stage, parameter: plan.parameter, changes: plan.changes}
  if (plan.changes.length === 0) return {...base, applied: false, version: null}
  // Parameter Store's standard tier holds 4 KB per value.
  if (Buffer.byteLength(plan.after) > 4096)
    throw usageError(
      'env-too-large',
      `The new .env is ${Buffer.byteLength(plan.after)} bytes, over the 4096 bytes of a standard SSM parameter.`,
      'Remove unused variables, or keep large values elsewhere.',
    )
  const {writeSecureParameter} = await import('../aws/parameters.js')
  const version = await writeSecureParameter(await ctx.clients.ssm(), plan.parameter, plan.after)
  return {...base, applied: true, version: version ?? null}
}

/** `upsc env push`: each host deploys its running commit again with the .env refreshed from the parameter. */
export async function pushEnv(ctx: StageContext, events: DeployEvents, signal?: AbortSignal): Promise<DeployResult> {
  envParameterOf(ctx.stage)
  return runDeploy(ctx, {keepCommit: true, noRollback: false, maxConcurrency: '1', maxErrors: '0'}, events, signal)
}
