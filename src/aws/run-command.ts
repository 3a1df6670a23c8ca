/**
 * SSM Run Command, thin: SendCommand, one poll of the invocations (GetCommandInvocation /
 * ListCommandInvocations), CancelCommand. The poll loop that follows a command is the engine's
 * (engine/follow.ts); the SDK waiter is not used: its botocore twin gives up after 100 s, and
 * deploys take longer.
 */
import type {GetCommandInvocationCommandOutput, SSMClient} from '@aws-sdk/client-ssm'

import {ExitCode} from '../errors/exit-codes.js'
import {emptyInvocation, type InvocationResult, isTerminal, outcomeOf} from '../outcome/invocation.js'
import {UpscError} from '../errors/upsc-error.js'
import {redact} from '../util/redact.js'
import {mapPool} from '../util/pool.js'
import {describeAwsError} from './errors.js'

export const RUN_SHELL_DOCUMENT = 'AWS-RunShellScript'
/** GetCommandInvocation cuts output at these lengths; CloudWatch output has the rest. */
export const STDOUT_LIMIT = 24_000
export const STDERR_LIMIT = 8_000
/** Run Command ids are UUIDs. */
export const isCommandId = (text: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)

/** SendCommand takes at most 50 instance ids. */
export const MAX_INSTANCES_PER_COMMAND = 50

export interface RunRequest {
  instanceIds: string[]
  commands: string[]
  /** Names the operation in the console and in ListCommands, e.g. "upsc status stage2". */
  comment: string
  workingDirectory?: string
  executionTimeoutSeconds: number
  deliveryTimeoutSeconds: number
  /** CloudWatch Logs group for the command's output; undefined leaves CloudWatch output off. */
  cloudWatchLogGroup?: string
  maxConcurrency?: string
  maxErrors?: string
}

/**
 * Pure: how long to wait before poll number `attempt` (0-based). Starts fast because most probes
 * finish in well under a second, and never waits more than 400 ms, so a finished command is
 * noticed within half a second.
 */
export function pollDelayMs(attempt: number): number {
  const schedule = [100, 100, 150, 200, 250, 300]
  return schedule[attempt] ?? POLL_CAP_MS
}

/** The longest wait between two polls of a running command: a long run's request rate (150 a minute per poll target). */
export const POLL_CAP_MS = 400

/**
 * Pure: how long to wait before the next poll of a command sent `elapsedMs` ago: 15 % of the time
 * it has run, at least 100 ms and at most POLL_CAP_MS. The wait to notice a finished command stays
 * a small share of the whole (a 0.6 s probe is seen within 100 ms, a 2 s deploy within 300 ms);
 * a run longer than 2.7 s polls every 400 ms, as before.
 *
 * `pollsSinceResults`: every open host's result line has been read from CloudWatch, that many
 * polls ago. The agent reports the invocation over only after its upload ends (1 to 3 s later on
 * AWS): the waits start again from the short end of pollDelayMs's schedule, a few more requests
 * once per run.
 */
export function pollWaitMs(elapsedMs: number, pollsSinceResults?: number): number {
  const wait = Math.min(POLL_CAP_MS, Math.max(100, Math.round((0.15 * elapsedMs) / 10) * 10))
  return pollsSinceResults === undefined ? wait : Math.min(wait, pollDelayMs(pollsSinceResults))
}

export function toInvocationResult(
  instanceId: string,
  o: Pick<
    GetCommandInvocationCommandOutput,
    'Status' | 'StatusDetails' | 'ResponseCode' | 'StandardOutputContent' | 'StandardErrorContent' | 'ExecutionStartDateTime' | 'ExecutionEndDateTime'
  >,
): InvocationResult {
  const status = o.Status ?? 'Pending'
  const raw = o.StandardOutputContent ?? ''
  // The host masks credentials already; this is the CLI's second look (defence in depth).
  const stdout = redact(raw)
  return {
    instanceId,
    status,
    statusDetails: o.StatusDetails,
    outcome: outcomeOf(status, o.StatusDetails),
    responseCode: o.ResponseCode ?? -1,
    stdout,
    stderr: redact(o.StandardErrorContent ?? ''),
    stdoutTruncated: raw.length >= STDOUT_LIMIT || /--output truncated--/.test(raw),
    startedAt: o.ExecutionStartDateTime || undefined,
    finishedAt: o.ExecutionEndDateTime || undefined,
  }
}

export async function sendCommand(ssm: SSMClient, request: RunRequest): Promise<string> {
  if (request.instanceIds.length === 0) throw new Error('sendCommand needs at least one instance')
  if (request.instanceIds.length > MAX_INSTANCES_PER_COMMAND) throw new Error(`sendCommand takes at most ${MAX_INSTANCES_PER_COMMAND} instances`)
  const {SendCommandCommand} = await import('./sdk/ssm.js')
  try {
    const out = await ssm.send(
      new SendCommandCommand({
        DocumentName: RUN_SHELL_DOCUMENT,
        InstanceIds: request.instanceIds,
        Comment: request.comment.slice(0, 100),
        TimeoutSeconds: request.deliveryTimeoutSeconds,
        Parameters: {
          commands: request.commands,
          executionTimeout: [String(request.executionTimeoutSeconds)],
          ...(request.workingDirectory ? {workingDirectory: [request.workingDirectory]} : {}),
        },
        ...(request.cloudWatchLogGroup ? {CloudWatchOutputConfig: {CloudWatchOutputEnabled: true, CloudWatchLogGroupName: request.cloudWatchLogGroup}} : {}),
        ...(request.maxConcurrency ? {MaxConcurrency: request.maxConcurrency} : {}),
        ...(request.maxErrors ? {MaxErrors: request.maxErrors} : {}),
      }),
    )
    return out.Command!.CommandId!
  } catch (error) {
    const e = error as {name?: string; message?: string}
    if (e.name === 'InvalidInstanceId')
      throw new UpscError(
        'not-managed',
        `Systems Manager cannot reach ${request.instanceIds.join(', ')}: ${e.message ?? 'not managed, or its agent is offline'}.`,
        {
          exitCode: ExitCode.unreachable,
          hint: 'Check that the instance is running, has the SSM agent online and an instance profile with AmazonSSMManagedInstanceCore (`upsc status` shows each).',
          cause: error,
        },
      )
    throw describeAwsError(error, {action: 'ssm:SendCommand'})
  }
}

/** Up to this many instances, each poll asks GetCommandInvocation per instance (it carries the output). */
const PER_INSTANCE_POLL_LIMIT = 2

/**
 * One poll of a command's open invocations, updating `known`. For a few instances, one
 * GetCommandInvocation each. For more, ListCommandInvocations (one call per 50 instances) gives the
 * statuses, and the whole output of a finished instance when it is short (under 2,500
 * characters); GetCommandInvocation reads the others once, in a bounded pool.
 */
export async function pollInvocations(
  ssm: SSMClient,
  commandId: string,
  open: string[],
  known: Map<string, InvocationResult>,
  sentAt: number,
  appearGraceMs = 30_000,
): Promise<void> {
  const {GetCommandInvocationCommand, paginateListCommandInvocations} = await import('./sdk/ssm.js')
  const read = async (instanceId: string) => {
    try {
      known.set(instanceId, toInvocationResult(instanceId, await ssm.send(new GetCommandInvocationCommand({CommandId: commandId, InstanceId: instanceId}))))
    } catch (error) {
      if ((error as {name?: string}).name === 'InvocationDoesNotExist' && Date.now() - sentAt < appearGraceMs) return
      throw describeAwsError(error, {action: 'ssm:GetCommandInvocation'})
    }
  }
  if (open.length <= PER_INSTANCE_POLL_LIMIT) {
    await mapPool(open, PER_INSTANCE_POLL_LIMIT, read)
    return
  }
  const finished: string[] = []
  const wanted = new Set(open)
  try {
    for await (const page of paginateListCommandInvocations({client: ssm, pageSize: 50}, {CommandId: commandId, Details: true}))
      for (const inv of page.CommandInvocations ?? []) {
        if (!inv.InstanceId || !wanted.has(inv.InstanceId) || !inv.Status) continue
        const whole = inv.Status === 'Success' ? completePluginOutput(inv.CommandPlugins?.[0]?.Output) : undefined
        if (whole)
          known.set(
            inv.InstanceId,
            toInvocationResult(inv.InstanceId, {
              Status: inv.Status,
              StatusDetails: inv.StatusDetails,
              ResponseCode: inv.CommandPlugins?.[0]?.ResponseCode ?? 0,
              StandardOutputContent: whole.stdout,
              StandardErrorContent: whole.stderr,
            }),
          )
        else if (isTerminal(inv.Status)) finished.push(inv.InstanceId)
        else
          known.set(inv.InstanceId, {
            ...(known.get(inv.InstanceId) ?? emptyInvocation(inv.InstanceId)),
            status: inv.Status,
            statusDetails: inv.StatusDetails,
            outcome: outcomeOf(inv.Status, inv.StatusDetails),
          })
      }
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:ListCommandInvocations'})
  }
  await mapPool(finished, 8, read)
}

/** ListCommandInvocations keeps a plugin's first 2,500 characters of stdout and stderr together. */
export const PLUGIN_OUTPUT_LIMIT = 2500

/**
 * Pure: the stdout and stderr in a plugin's Output, when it holds them whole (short enough and not
 * cut); then no GetCommandInvocation is needed for that instance.
 */
export function completePluginOutput(output: string | undefined): {stdout: string; stderr: string} | undefined {
  if (output === undefined || output.length >= PLUGIN_OUTPUT_LIMIT - 100 || /---(Output|Error) truncated---/.test(output)) return undefined
  const separator = '\n----------ERROR-------\n'
  const at = output.indexOf(separator)
  return at === -1 ? {stdout: output, stderr: ''} : {stdout: output.slice(0, at), stderr: output.slice(at + separator.length)}
}

export async function cancelCommand(ssm: SSMClient, commandId: string, instanceIds?: string[]): Promise<void> {
  const {CancelCommandCommand} = await import('./sdk/ssm.js')
  try {
    await ssm.send(new CancelCommandCommand({CommandId: commandId, ...(instanceIds ? {InstanceIds: instanceIds} : {})}))
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:CancelCommand'})
  }
}
