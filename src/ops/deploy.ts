/**
 * `upsc deploy`: check the inputs, check the hosts can take a command, send deploy.sh with the
 * stage's settings, stream its steps live, and turn each host's report into a typed result.
 */
import {randomUUID} from 'node:crypto'

import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {usageError} from '../errors/upsc-error.js'
import {buildPayload} from '../remote/payload.js'
import {branchNameProblem, commitRefProblem} from '../remote/refname.js'
import type {ReportLine} from '../remote/report-lines.js'
import {deploySettings} from '../remote/settings.js'
import {commandInstanceIds} from '../aws/command-instances.js'
import {isCommandId} from '../aws/run-command.js'
import {combinedExitCode, hostResult} from '../outcome/host-result.js'
import type {DeployResult} from '../outcome/results.js'
import {callerArn, reachableTargets} from './preflight.js'
import {type FollowOptions, followRemote} from '../engine/follow.js'
import {newNonce, runRemote} from '../engine/remote-run.js'
import {loadingReportOnResult, reportDeploy} from './announce.js'
import {tokenReadyStage} from './token-parameter.js'

export interface DeployRequest {
  branch?: string
  ref?: string
  noRollback: boolean
  /** --skip-hooks: the stage's hooks do not run (recorded in history). */
  skipHooks?: boolean
  /** `upsc env push`: deploy each host's running commit again (no fetch, no build), with a fresh .env. */
  keepCommit?: boolean
  maxConcurrency: string
  maxErrors: string
}

export interface DeployEvents {
  onSent?: (commandId: string, instanceIds: string[]) => void
  onLine?: (instanceId: string, line: ReportLine) => void
  /** Following waits out a transient AWS error. */
  onNotice?: (text: string) => void
}

/** How a deploy or rollback is followed: its nonce, and how to re-attach when following must stop. */
export const followOptions = (stage: string, what: 'deploy' | 'rollback', nonce?: string): FollowOptions => ({
  nonce,
  what,
  script: what,
  resume: (commandId) => `upsc deploy --stage ${stage} --attach ${commandId}`,
})

/** Pure: the branch and ref are checked before any AWS call (git's ref rules, plus no shell metacharacters). */
export function checkDeployInput(stage: StageConfig, request: Pick<DeployRequest, 'branch' | 'ref'>): {branch: string; ref?: string} {
  const branch = request.branch ?? stage.defaultBranch
  const branchProblem = branchNameProblem(branch)
  if (branchProblem)
    throw usageError(
      'bad-branch',
      `Cannot deploy branch ${JSON.stringify(branch)}: ${branchProblem}.`,
      'Pass a branch name as git accepts it, e.g. --branch feature-x.',
    )
  if (request.ref !== undefined) {
    const refProblem = commitRefProblem(request.ref)
    if (refProblem) throw usageError('bad-ref', `Cannot deploy --ref ${JSON.stringify(request.ref)}: ${refProblem}.`, 'Pass a commit id, e.g. --ref 3a4f2c1.')
  }
  return {branch, ...(request.ref ? {ref: request.ref} : {})}
}

export async function runDeploy(
  ctx: StageContext,
  request: DeployRequest,
  events: DeployEvents = {},
  signal?: AbortSignal,
  detach = false,
): Promise<DeployResult> {
  const input = checkDeployInput(ctx.stage, request)
  // Nothing here waits on anything else but the targets' check; STS and the token parameter are
  // asked once DescribeInstances has left (a caught promise: the check's own error comes first).
  let rest!: Promise<[StageConfig, string, string | undefined]>
  const targets = await reachableTargets(ctx, ctx.clients, () => {
    rest = Promise.all([tokenReadyStage(ctx), callerArn(ctx.clients), ctx.clients.region()])
    rest.catch(() => undefined)
  })
  const [stage, caller, region] = await rest
  const deployId = `d-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`
  const nonce = newNonce()
  const settings = deploySettings(stage, {...input, caller, deployId, region, noRollback: request.noRollback, skipHooks: request.skipHooks, nonce})
  const keep = request.keepCommit ? {UPSC_KEEP_COMMIT: 1, UPSC_BRANCH: undefined, UPSC_REF: undefined} : {}
  const commands = buildPayload('deploy', {...settings, ...keep})
  const instanceIds = targets.map((t) => t.instanceId)
  const names = new Map(targets.map((t) => [t.instanceId, t.name]))
  // --detach: stop following as soon as the command is accepted.
  const detachSignal = detach ? AbortSignal.abort() : signal
  const run = await runRemote(
    ctx.clients,
    {
      instanceIds,
      commands,
      comment: request.keepCommit ? `upsc env push ${stage.name}` : `upsc deploy ${stage.name} ${input.branch}${input.ref ? ` ${input.ref}` : ''}`,
      executionTimeoutSeconds: stage.timeouts.commandSeconds,
      deliveryTimeoutSeconds: stage.timeouts.deliverySeconds,
      outputLogGroup: stage.runCommandLogGroup,
      maxConcurrency: request.maxConcurrency,
      maxErrors: request.maxErrors,
      nonce,
    },
    {onSent: (id) => events.onSent?.(id, instanceIds), onLine: loadingReportOnResult(ctx, events.onLine), onNotice: events.onNotice},
    detachSignal,
    followOptions(stage.name, 'deploy'),
  )
  const hosts = run.runs.map((r) => hostResult(r, names.get(r.instanceId)))
  const result: DeployResult = {
    stage: stage.name,
    commandId: run.commandId,
    deployId,
    ...input,
    detached: run.detached,
    hosts,
    exitCode: run.detached ? 0 : combinedExitCode(hosts),
  }
  return {...result, warnings: await reportDeploy(ctx, result, caller)}
}

/** `--attach <command-id>`: resume following a deploy already running. */
export async function attachDeploy(ctx: StageContext, commandId: string, events: DeployEvents = {}, signal?: AbortSignal): Promise<DeployResult> {
  const instanceIds = await commandInstances(ctx, commandId)
  const run = await followRemote(
    ctx.clients,
    commandId,
    instanceIds,
    ctx.stage.runCommandLogGroup,
    {onLine: events.onLine, onNotice: events.onNotice},
    signal,
    followOptions(ctx.stage.name, 'deploy'),
  )
  const hosts = run.runs.map((r) => hostResult(r))
  return {stage: ctx.stage.name, commandId, detached: run.detached, hosts, exitCode: combinedExitCode(hosts)}
}

export async function commandInstances(ctx: StageContext, commandId: string): Promise<string[]> {
  if (!isCommandId(commandId))
    throw usageError('bad-command-id', `"${commandId}" is not a Run Command id.`, 'Use the id printed by `upsc deploy` (a UUID such as 3f2c...-...).')
  const ids = await commandInstanceIds(await ctx.clients.ssm(), commandId)
  if (ids.length === 0) throw usageError('unknown-command', `No Run Command ${commandId} was found in this region.`, 'Check the id and --region/--stage.')
  return ids
}
