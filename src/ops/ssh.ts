/**
 * `upsc ssh`: one instance, one Session Manager session handed to session-manager-plugin.
 * The request builders are pure (tested by exact output); the user name, app dir and forward spec
 * are checked before anything else, then the plugin is looked for, and only then AWS is called.
 */
import {locatePlugin, runSession, type SessionRequest} from '../aws/session.js'
import {resolveTargets, type Target} from '../aws/targets.js'
import type {StageContext} from './context.js'
import type {StageConfig} from '../config/load.js'
import {unreachableError, usageError} from '../errors/upsc-error.js'
import {shellQuote} from '../remote/quote.js'
import {unreachableReasons} from './preflight.js'
import {describeManaged} from '../aws/instance-status.js'

export const INTERACTIVE_DOCUMENT = 'AWS-StartInteractiveCommand'
export const FORWARD_DOCUMENT = 'AWS-StartPortForwardingSessionToRemoteHost'
/** What StartSession uses when no document is named: a shell as ssm-user (or the configured run-as user). */
export const SHELL_DOCUMENT = 'SSM-SessionManagerRunShell'

export interface SshRequest {
  user?: string
  cd?: boolean
  forward?: string
}

export interface ForwardSpec {
  localPort: number
  host: string
  remotePort: number
}

/** A login name as useradd accepts it by default; it becomes part of a command line on the host. */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/
const HOST_NAME = /^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_.])?$/
const IPV6 = /^\[([0-9A-Fa-f:.]{2,45})\]$/
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/

/** Pure: the --user value, or a usage error. */
export function checkUserName(name: string): string {
  if (!USER_NAME.test(name))
    throw usageError(
      'bad-user',
      `--user ${JSON.stringify(name)} is not a valid user name.`,
      'Use a login name of lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters (e.g. --user ubuntu).',
    )
  return name
}

function port(text: string, what: string, spec: string): number {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(n >= 1 && n <= 65535)) throw usageError('bad-forward', `--forward ${JSON.stringify(spec)}: the ${what} must be a number from 1 to 65535.`, FORWARD_HINT)
  return n
}

const FORWARD_HINT = 'Write --forward <local-port>:<remote-host>:<remote-port>, e.g. --forward 8000:localhost:8000 or --forward 15432:db.internal:5432.'

/** Pure: `<local>:<remote-host>:<remote-port>` (an IPv6 host in brackets: `8080:[::1]:80`). */
export function parseForwardSpec(spec: string): ForwardSpec {
  const m = /^(\d+):(\[[^\]]*\]|[^:]*):(\d+)$/.exec(spec)
  if (!m) throw usageError('bad-forward', `--forward ${JSON.stringify(spec)} is not <local-port>:<remote-host>:<remote-port>.`, FORWARD_HINT)
  const hostText = m[2]!
  const v6 = IPV6.exec(hostText)
  const host = v6 ? v6[1]! : hostText
  if (!v6 && !HOST_NAME.test(hostText))
    throw usageError('bad-forward', `--forward ${JSON.stringify(spec)}: ${JSON.stringify(hostText)} is not a host name or address.`, FORWARD_HINT)
  return {localPort: port(m[1]!, 'local port', spec), host, remotePort: port(m[3]!, 'remote port', spec)}
}

/** Pure: the app dir as a quoted shell word, for --cd. */
export function quotedAppDir(dir: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  if (!dir.startsWith('/') || /[\u0000-\u001f\u007f]/.test(dir))
    throw usageError(
      'bad-app-dir',
      `The stage's appDir ${JSON.stringify(dir)} must be an absolute path without control characters for --cd.`,
      'Fix "appDir" in upsc.config.json.',
    )
  return shellQuote(dir)
}

/** Pure: the command AWS-StartInteractiveCommand runs (with `sh -c` on Linux) for --user and --cd. */
export function interactiveCommand(request: Pick<SshRequest, 'user' | 'cd'>, appDir: string): string | undefined {
  const user = request.user === undefined ? undefined : checkUserName(request.user)
  if (!request.cd) return user ? `sudo -i -u ${user}` : undefined
  const cd = `cd ${quotedAppDir(appDir)}`
  // `sudo -i` would move to the user's home: a login bash as that user, started here instead.
  return user ? `${cd} && exec sudo -H -u ${user} bash -l` : `${cd} && exec bash -l`
}

/** Pure: the StartSession request for a target and the flags (keys in the API's order). */
export function sessionRequest(target: string, stage: Pick<StageConfig, 'name' | 'appDir'>, request: SshRequest): SessionRequest {
  const reason = `upsc ssh (stage ${stage.name})`
  if (request.forward !== undefined) {
    if (request.user !== undefined || request.cd)
      throw usageError('bad-flags', '--forward cannot be combined with --user or --cd.', 'A port forwarding session opens no shell: drop --user and --cd.')
    const f = parseForwardSpec(request.forward)
    return {
      Target: target,
      DocumentName: FORWARD_DOCUMENT,
      Reason: reason,
      Parameters: {host: [f.host], portNumber: [String(f.remotePort)], localPortNumber: [String(f.localPort)]},
    }
  }
  const command = interactiveCommand(request, stage.appDir)
  if (command === undefined) return {Target: target, Reason: reason}
  return {Target: target, DocumentName: INTERACTIVE_DOCUMENT, Reason: reason, Parameters: {command: [command]}}
}

export interface InstanceChoice {
  target: Target
  /** `running, agent Online` */
  status: string
}

/** Pure: the numbered list shown when several instances match. */
export function choiceLines(choices: InstanceChoice[]): string[] {
  const nameWidth = Math.max(...choices.map((c) => (c.target.name ?? '-').length))
  return choices.map(
    (c, i) => `  ${String(i + 1).padStart(String(choices.length).length)}) ${(c.target.name ?? '-').padEnd(nameWidth)}  ${c.target.instanceId}  ${c.status}`,
  )
}

/** Pure: the answer to "which one?" -> an index, or undefined when it is not one of the numbers or ids. */
export function parseChoice(answer: string, choices: InstanceChoice[]): number | undefined {
  const text = answer.trim()
  if (/^\d+$/.test(text)) {
    const n = Number(text)
    return n >= 1 && n <= choices.length ? n - 1 : undefined
  }
  const index = choices.findIndex((c) => c.target.instanceId === text)
  return index === -1 ? undefined : index
}

export type Chooser = (choices: InstanceChoice[]) => Promise<number | undefined>

export interface SshResult {
  stage: string
  instanceId: string
  name?: string
  sessionId: string
  /** Every session opened (several with several --forward). */
  sessionIds: string[]
  documentName: string
  exitCode: number
  /** Why TerminateSession failed after the plugin ended (the session then ends at its idle timeout). */
  terminateError?: string
}

/** One instance: by id, by Name tag, or the stage's; several -> ask (on a terminal) or fail naming --instance. */
export async function pickInstance(ctx: StageContext, choose?: Chooser): Promise<Target> {
  const ec2 = await ctx.clients.ec2()
  const {describeAwsError} = await import('../aws/errors.js')
  // A single Name tag may match several instances: resolve it like a selector, so that they can be offered.
  const [only] = ctx.instances
  const byName = ctx.instances.length === 1 && !INSTANCE_ID.test(only!)
  const targets = await resolveTargets(ec2, byName ? {tags: {Name: only!}} : ctx.stage.instances, byName ? [] : ctx.instances, ctx.stage.name).catch(
    (error: unknown) => {
      throw describeAwsError(error, {action: 'ec2:DescribeInstances', profile: ctx.profile})
    },
  )
  const managed = await describeManaged(
    await ctx.clients.ssm(),
    targets.map((t) => t.instanceId),
  )
  let target = targets[0]!
  if (targets.length > 1) {
    const choices = targets.map((t) => ({target: t, status: `${t.state}, agent ${managed.get(t.instanceId)?.pingStatus ?? 'not managed'}`}))
    const index = choose ? await choose(choices) : undefined
    if (index === undefined)
      throw usageError(
        'instance-choice',
        `${choices.length} instances match; upsc ssh opens a session on one:\n${choiceLines(choices).join('\n')}`,
        `Pick one with --instance, e.g. upsc ssh --instance ${choices[0]!.target.instanceId}`,
      )
    target = choices[index]!.target
  }
  const reasons = unreachableReasons([target], managed)
  if (reasons.length > 0)
    throw unreachableError(
      'target-unreachable',
      `Cannot open a session: ${reasons[0]}.`,
      'Start the instance, or check its SSM agent and instance profile (`upsc status` shows both).',
    )
  return target
}

/** Pure: several --forward values must not ask for the same local port. */
export function checkForwards(forwards: string[]): void {
  const ports = forwards.map((f) => parseForwardSpec(f).localPort)
  const twice = ports.find((p, i) => ports.indexOf(p) !== i)
  if (twice !== undefined) throw usageError('bad-forward', `--forward: local port ${twice} is given twice.`, 'Give each --forward its own local port.')
}

/**
 * One session, or with several `forwards` one port forwarding session each, side by side (no shell);
 * they end together on Ctrl-C, and the exit code is the worst of the plugins'.
 */
export async function runSsh(
  ctx: StageContext,
  request: SshRequest & {forwards?: string[]},
  options: {choose?: Chooser; env?: NodeJS.ProcessEnv} = {},
): Promise<SshResult> {
  const {forwards = request.forward === undefined ? [] : [request.forward], ...rest} = request
  const requests = forwards.length > 0 ? forwards.map((forward) => ({...rest, forward})) : [rest]
  // Flags first (no AWS call), then the plugin (before any session exists), then AWS.
  for (const r of requests) sessionRequest('i-00000000', ctx.stage, r)
  checkForwards(forwards)
  const plugin = await locatePlugin(options.env)
  const target = await pickInstance(ctx, options.choose)
  const ssm = await ctx.clients.ssm()
  const reqs = requests.map((r) => sessionRequest(target.instanceId, ctx.stage, r))
  const runs = await Promise.all(reqs.map((req) => runSession(ssm, plugin, req, {profile: ctx.profile, env: options.env})))
  const failedTerminate = runs.find((run) => run.terminateError)
  return {
    stage: ctx.stage.name,
    instanceId: target.instanceId,
    ...(target.name ? {name: target.name} : {}),
    sessionId: (failedTerminate ?? runs[0]!).sessionId,
    sessionIds: runs.map((run) => run.sessionId),
    documentName: reqs[0]!.DocumentName ?? SHELL_DOCUMENT,
    exitCode: Math.max(...runs.map((run) => run.exitCode)),
    ...(failedTerminate ? {terminateError: failedTerminate.terminateError!.message} : {}),
  }
}
