/**
 * Session Manager: StartSession, then hand the session to AWS's `session-manager-plugin` exactly as
 * the AWS CLI v2 does (awscli/customizations/sessionmanager.py), and TerminateSession when the
 * plugin exits or cannot be started, so that no session is left open on the agent.
 *
 * The plugin's argv, as the AWS CLI builds it:
 *   session-manager-plugin <response | AWS_SSM_START_SESSION_RESPONSE> <region> StartSession
 *                          <profile or ''> <request parameters as JSON> <endpoint URL>
 * The JSON is Python's json.dumps (", " and ": " separators, non-ASCII escaped). Plugins newer than
 * 1.2.497.0 read the StartSession response from the environment variable instead of argv, which
 * keeps the session token out of the process list.
 */
import {execFile, spawn} from 'node:child_process'
import {accessSync, constants as fsConstants, statSync} from 'node:fs'
import {constants as osConstants} from 'node:os'
import {delimiter, join} from 'node:path'

import type {SSMClient} from '@aws-sdk/client-ssm'

import {ExitCode} from '../errors/exit-codes.js'
import {UpscError} from '../errors/upsc-error.js'
import {describeAwsError} from './errors.js'

export const PLUGIN_NAME = 'session-manager-plugin'
export const SESSION_RESPONSE_ENV = 'AWS_SSM_START_SESSION_RESPONSE'
/** The last plugin version that wants the response in argv (the AWS CLI's LAST_PLUGIN_VERSION_WITHOUT_ENV_VAR). */
export const LAST_PLUGIN_VERSION_WITHOUT_ENV_VAR = '1.2.497.0'

/** A StartSession request, keys in the order of the API's input shape (the AWS CLI sends them so). */
export interface SessionRequest {
  Target: string
  DocumentName?: string
  Reason?: string
  Parameters?: Record<string, string[]>
}

export interface SessionResponse {
  SessionId: string
  TokenValue: string
  StreamUrl: string
}

// ------------------------------------------------------------------ pure parts

const PY_ESCAPES: Record<string, string> = {'\\': '\\\\', '"': '\\"', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}

/**
 * Pure: what Python's `json.dumps(value)` prints (the plugin gets the AWS CLI's exact text):
 * separators ", " and ": ", every character outside printable ASCII as \uXXXX (lowercase hex,
 * astral characters as their UTF-16 surrogate pair), keys in insertion order.
 */
export function pythonJson(value: unknown): string {
  if (typeof value === 'string')
    // Without the u flag the regex sees UTF-16 code units, which is what Python escapes too.
    return `"${value.replace(/[\\"]|[^ -~]/g, (c) => PY_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v)).join(', ')}]`
  if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return JSON.stringify(value)
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
      .join(', ')}}`
  throw new TypeError(`cannot encode ${typeof value} as JSON`)
}

/**
 * Pure: does this `session-manager-plugin --version` output name a plugin that reads the response
 * from AWS_SSM_START_SESSION_RESPONSE? As the AWS CLI decides it: whitespace removed, 1 to 4
 * dot-separated numbers, strictly newer than 1.2.497.0; anything else means no.
 */
export function pluginReadsResponseFromEnv(versionOutput: string): boolean {
  const version = versionOutput.replace(/\s+/g, '')
  if (!/^\d+(\.\d+){0,3}$/.test(version)) return false
  const a = version.split('.').map(Number)
  const b = LAST_PLUGIN_VERSION_WITHOUT_ENV_VAR.split('.').map(Number)
  while (a.length < b.length) a.push(0)
  while (b.length < a.length) b.push(0)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!
  return false
}

export interface PluginInvocationInput {
  response: SessionResponse
  region: string
  /** The profile upsc was told to use (--profile or the stage's); '' when none, as the AWS CLI does. */
  profile?: string
  request: SessionRequest
  endpointUrl: string
  responseInEnv: boolean
}

/** Pure: the plugin's argv and the environment variables to add, exactly as the AWS CLI v2 builds them. */
export function pluginInvocation(input: PluginInvocationInput): {argv: string[]; env: Record<string, string>} {
  const response = pythonJson({SessionId: input.response.SessionId, TokenValue: input.response.TokenValue, StreamUrl: input.response.StreamUrl})
  return {
    argv: [
      input.responseInEnv ? SESSION_RESPONSE_ENV : response,
      input.region,
      'StartSession',
      input.profile ?? '',
      pythonJson(input.request),
      input.endpointUrl,
    ],
    env: input.responseInEnv ? {[SESSION_RESPONSE_ENV]: response} : {},
  }
}

/** Pure: the request URL the SDK used -> the endpoint URL as botocore reports it (no trailing slash). */
export function endpointUrlOf(request: {protocol?: string; hostname?: string; port?: number; path?: string}): string {
  const path = (request.path ?? '/').replace(/\/+$/, '')
  return `${request.protocol ?? 'https:'}//${request.hostname ?? ''}${request.port ? `:${request.port}` : ''}${path}`
}

export const INSTALL_HELP = [
  'Install it, then open a new terminal so that it is on PATH:',
  '  Linux (Debian/Ubuntu): curl -fsSLo /tmp/smp.deb https://s3.amazonaws.com/session-manager-downloads/plugin/latest/ubuntu_64bit/session-manager-plugin.deb && sudo dpkg -i /tmp/smp.deb',
  '                         (ARM: ubuntu_arm64 instead of ubuntu_64bit)',
  '  Linux (Amazon Linux, RHEL, Fedora): sudo yum install -y https://s3.amazonaws.com/session-manager-downloads/plugin/latest/linux_64bit/session-manager-plugin.rpm',
  '                         (ARM: linux_arm64 instead of linux_64bit)',
  '  macOS: brew install --cask session-manager-plugin',
  '  Windows: run https://s3.amazonaws.com/session-manager-downloads/plugin/latest/windows/SessionManagerPluginSetup.exe',
  'Check it with `session-manager-plugin --version`. Guide: https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html',
].join('\n')

export const missingPluginError = () =>
  new UpscError(
    'plugin-missing',
    `AWS's Session Manager plugin (${PLUGIN_NAME}) was not found on PATH. upsc hands the session to it, as the AWS CLI does; no session was started.`,
    {exitCode: ExitCode.usage, hint: INSTALL_HELP},
  )

// ------------------------------------------------------------------ the plugin on this machine

/** The plugin's path on PATH (with PATHEXT on Windows), or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : delimiter).filter(Boolean)
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean) : ['']
  for (const dir of dirs)
    for (const ext of exts) {
      const file = join(dir, name + ext)
      try {
        if (!statSync(file).isFile()) continue
        if (platform !== 'win32') accessSync(file, fsConstants.X_OK)
        return file
      } catch {
        // not here, or not executable: keep looking, as the shell does
      }
    }
  return undefined
}

export interface PluginInfo {
  path: string
  version: string
  responseInEnv: boolean
}

/** Find the plugin and ask its version; fails (before any AWS call) when it is missing or broken. */
export async function locatePlugin(env: NodeJS.ProcessEnv = process.env): Promise<PluginInfo> {
  const path = findOnPath(PLUGIN_NAME, env)
  if (!path) throw missingPluginError()
  const version = await new Promise<string>((resolve, reject) => {
    execFile(path, ['--version'], {timeout: 10_000, encoding: 'utf8'}, (error, stdout, stderr) => {
      if (!error) return resolve(stdout)
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'EACCES') return reject(missingPluginError())
      reject(
        new UpscError('plugin-broken', `${path} --version failed: ${(stderr || error.message).trim()}`, {
          exitCode: ExitCode.failed,
          hint: `Reinstall the Session Manager plugin.\n${INSTALL_HELP}`,
        }),
      )
    })
  })
  return {path, version: version.trim(), responseInEnv: pluginReadsResponseFromEnv(version)}
}

// ------------------------------------------------------------------ StartSession / TerminateSession

export async function startSession(ssm: SSMClient, request: SessionRequest): Promise<{response: SessionResponse; endpointUrl: string; region: string}> {
  const {StartSessionCommand} = await import('./sdk/ssm.js')
  const command = new StartSessionCommand(request)
  // The plugin needs the endpoint the session was started on (AWS_ENDPOINT_URL_SSM, FIPS, ...):
  // take it from the request the SDK actually sends.
  let endpointUrl = ''
  command.middlewareStack.add(
    (next) => async (args) => {
      endpointUrl = endpointUrlOf(args.request as {protocol?: string; hostname?: string; port?: number; path?: string})
      return next(args)
    },
    {step: 'build', name: 'upscCaptureEndpoint'},
  )
  try {
    const out = await ssm.send(command)
    if (!out.SessionId || !out.TokenValue || !out.StreamUrl) throw new Error('StartSession returned no session')
    return {response: {SessionId: out.SessionId, TokenValue: out.TokenValue, StreamUrl: out.StreamUrl}, endpointUrl, region: await ssm.config.region()}
  } catch (error) {
    if ((error as {name?: string}).name === 'TargetNotConnected')
      throw new UpscError('target-not-connected', `Session Manager cannot reach ${request.Target}: ${(error as Error).message}`, {
        exitCode: ExitCode.unreachable,
        hint: 'Check that the instance is running and its SSM agent online (`upsc status`); port forwarding to a remote host needs agent 3.1.1374.0 or later.',
        cause: error,
      })
    throw describeAwsError(error, {action: 'ssm:StartSession'})
  }
}

export async function terminateSession(ssm: SSMClient, sessionId: string): Promise<void> {
  const {TerminateSessionCommand} = await import('./sdk/ssm.js')
  try {
    await ssm.send(new TerminateSessionCommand({SessionId: sessionId}))
  } catch (error) {
    throw describeAwsError(error, {action: 'ssm:TerminateSession'})
  }
}

// ------------------------------------------------------------------ running the plugin

// Keys the terminal turns into signals for the whole foreground process group: the plugin gets
// them too, and handles them (Ctrl-C goes to the remote shell).
const KEY_SIGNALS = process.platform === 'win32' ? (['SIGINT'] as const) : (['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const)
const FORWARDED = process.platform === 'win32' ? ([] as const) : (['SIGTERM', 'SIGHUP'] as const)

export interface SessionRun {
  sessionId: string
  /** The plugin's exit code (128 + the signal number when a signal ended it). */
  exitCode: number
  /** Set when TerminateSession failed after the plugin ended. */
  terminateError?: Error
}

/**
 * StartSession, run the plugin on this terminal, TerminateSession. While the plugin runs, upsc
 * ignores the keyboard's signals (Ctrl-C, Ctrl-\, Ctrl-Z reach the plugin, which sends them to the
 * remote shell), as the AWS CLI does, and passes SIGTERM/SIGHUP on to the plugin so that it can end
 * the session. A Ctrl-C before the plugin starts cancels: the session, if started, is terminated.
 */
export async function runSession(
  ssm: SSMClient,
  plugin: PluginInfo,
  request: SessionRequest,
  options: {profile?: string; env?: NodeJS.ProcessEnv},
): Promise<SessionRun> {
  let child: ReturnType<typeof spawn> | undefined
  let cancelled = false
  const cancel = () => {
    // Before the plugin runs, Ctrl-C cancels; a second one leaves at once.
    if (cancelled) process.exit(ExitCode.interrupted)
    cancelled = true
  }
  const onKey = (signal: NodeJS.Signals) => {
    if (!child && signal === 'SIGINT') cancel()
  }
  const onTerm = (signal: NodeJS.Signals) => {
    if (child) child.kill(signal)
    else cancel()
  }
  for (const s of KEY_SIGNALS) process.on(s, onKey)
  for (const s of FORWARDED) process.on(s, onTerm)
  const dispose = () => {
    for (const s of KEY_SIGNALS) process.off(s, onKey)
    for (const s of FORWARDED) process.off(s, onTerm)
  }

  try {
    const started = await startSession(ssm, request)
    const sessionId = started.response.SessionId
    let exitCode: number
    try {
      if (cancelled) throw new UpscError('interrupted', 'Interrupted before the session opened; it was terminated.', {exitCode: ExitCode.interrupted})
      const {argv, env} = pluginInvocation({...started, profile: options.profile, request, responseInEnv: plugin.responseInEnv})
      exitCode = await new Promise<number>((resolve, reject) => {
        child = spawn(plugin.path, argv, {stdio: 'inherit', env: {...(options.env ?? process.env), ...env}})
        child.once('error', (error) => reject(error))
        child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)))
      }).catch((error: unknown) => {
        if (error instanceof UpscError) throw error
        const e = error as NodeJS.ErrnoException
        throw new UpscError('plugin-failed', `${plugin.path} could not be started (${e.code ?? e.message}); the session was terminated.`, {
          exitCode: e.code === 'ENOENT' || e.code === 'EACCES' ? ExitCode.usage : ExitCode.failed,
          hint: INSTALL_HELP,
          cause: error,
        })
      })
    } catch (error) {
      // The plugin never ran: end the session now rather than leave it open until its idle timeout.
      await terminateSession(ssm, sessionId).catch(() => {})
      throw error
    }
    // The plugin normally ends the session itself; terminating again is harmless and covers a plugin that crashed.
    const terminateError = await terminateSession(ssm, sessionId).then(
      () => undefined,
      (error: unknown) => error as Error,
    )
    return {sessionId, exitCode, ...(terminateError ? {terminateError} : {})}
  } finally {
    dispose()
  }
}
