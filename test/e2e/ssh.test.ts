import {spawn} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {type CliResult, RUN, runCli, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>
interface Session {
  SessionId: string
  Target: string
  DocumentName: string
  Parameters: Record<string, string[]>
  Status: string
}
interface PluginEntry {
  event: 'start' | 'signal' | 'stop'
  argv: string[]
  env: Record<string, string>
  pid: number
  ppid: number
  stdinIsTTY: boolean
  signal?: string
}

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url))
const PLUGIN = join(FIXTURES, 'session-manager-plugin')

const waitFor = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
  for (const end = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('upsc ssh against the stand-in, with a fake session-manager-plugin', () => {
  let standIn: StandIn
  let cwd: string
  let work: string
  let instanceId: string
  let logFile: string
  let runs = 0

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}, {name: 'upscpro-web'}, {name: 'upscpro-web'}]})
    instanceId = standIn.hosts[0].instanceId
    cwd = writeConfig({stage2: {region: 'eu-central-1', instances: {tags: {Name: 'upscpro-stage2-docker'}}, appDir: "/srv/it's app"}})
    work = mkdtempSync(join(cwd, 'ssh-'))
  })
  afterAll(async () => standIn?.stop())

  /** The environment of one run: the fake plugin first on PATH, logging to a fresh file. */
  function envFor(extra: Record<string, string> = {}): Record<string, string> {
    logFile = join(work, `plugin-${++runs}.jsonl`)
    return {...standIn.env, PATH: `${FIXTURES}:${process.env.PATH}`, FAKE_SMP_LOG: logFile, ...extra}
  }
  /** The plugin's complete entries so far (one it is still writing is left for the next read). */
  const pluginLog = (): PluginEntry[] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .slice(0, -1)
          .map((l) => JSON.parse(l) as PluginEntry)
      : []
  const sessions = (): Session[] => standIn.sandbox.sessions()
  const lastSession = () => sessions().at(-1)!
  const startSessionCount = () => standIn.sandbox.requestCounts().StartSession ?? 0
  const endpoint = () => standIn.env.AWS_ENDPOINT_URL_SSM.replace(/\/$/, '')

  it('explains the prerequisites in --help: the plugin, the IAM actions, the instance role', async () => {
    const {code, stdout} = await runCli(['ssh', '--help'], {cwd, env: standIn.env})
    expect(code).toBe(0)
    const text = stdout.replace(/\s+/g, ' ')
    for (const needed of [
      'session-manager-plugin on PATH',
      'brew install --cask session-manager-plugin',
      'ssm:StartSession',
      'ssm:TerminateSession',
      'AmazonSSMManagedInstanceCore',
      'AWS-StartPortForwardingSessionToRemoteHost',
    ])
      expect(text).toContain(needed)
  })

  it('hands the session to the plugin exactly as the AWS CLI v2 does, then terminates it', async () => {
    const {code, stderr} = await runCli(['ssh'], {cwd, env: envFor({FAKE_SMP_EXIT: '3'})})
    expect(stderr).toBe('')
    expect(code).toBe(3)
    const session = lastSession()
    expect(session).toMatchObject({Target: instanceId, DocumentName: 'SSM-SessionManagerRunShell', Status: 'Terminated'})
    const [start] = pluginLog()
    expect(start!.argv).toEqual([
      'AWS_SSM_START_SESSION_RESPONSE',
      'eu-central-1',
      'StartSession',
      '',
      `{"Target": "${instanceId}", "Reason": "upsc ssh (stage stage2)"}`,
      endpoint(),
    ])
    expect(start!.env.AWS_SSM_START_SESSION_RESPONSE).toMatch(
      new RegExp(
        `^\\{"SessionId": "${session.SessionId}", "TokenValue": "[A-Za-z0-9+/=]+", "StreamUrl": "wss://ssmmessages\\.eu-central-1\\.amazonaws\\.com/v1/data-channel/${session.SessionId}\\?role=publish_subscribe&cell-number=AAEAAQ"\\}$`,
      ),
    )
  })

  it('passes the response as the first argument to a plugin up to 1.2.497.0, and the profile', async () => {
    // A profile needs its own credentials: the SDK does not take the environment's keys for a named profile.
    const config = join(work, 'aws-config')
    const credentials = join(work, 'aws-credentials')
    writeFileSync(config, '[profile upsc-e2e]\nregion = eu-central-1\n')
    writeFileSync(credentials, '[upsc-e2e]\naws_access_key_id = testing\naws_secret_access_key = testing\n')
    // (and warns when keys are in the environment as well, so they are left out here, as with a real profile).
    const {
      AWS_ACCESS_KEY_ID: _id,
      AWS_SECRET_ACCESS_KEY: _secret,
      ...env
    } = envFor({FAKE_SMP_VERSION: '1.2.497.0', AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials})
    const {code, stderr} = await runCli(['ssh', '--profile', 'upsc-e2e'], {cwd, env})
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const [start] = pluginLog()
    const session = lastSession()
    expect(JSON.parse(start!.argv[0]!)).toEqual({
      SessionId: session.SessionId,
      TokenValue: expect.any(String),
      StreamUrl: expect.stringContaining(session.SessionId),
    })
    expect(start!.argv[0]).toMatch(/^\{"SessionId": "[^"]+", "TokenValue": "[^"]+", "StreamUrl": "[^"]+"\}$/)
    expect(start!.argv.slice(1)).toEqual([
      'eu-central-1',
      'StartSession',
      'upsc-e2e',
      `{"Target": "${instanceId}", "Reason": "upsc ssh (stage stage2)"}`,
      endpoint(),
    ])
    expect(start!.env.AWS_SSM_START_SESSION_RESPONSE).toBeUndefined()
    expect(session.Status).toBe('Terminated')
  })

  it.each([
    [['--user', 'ubuntu'], 'AWS-StartInteractiveCommand', {command: ['sudo -i -u ubuntu']}],
    [['--cd'], 'AWS-StartInteractiveCommand', {command: ["cd '/srv/it'\\''s app' && exec bash -l"]}],
    [
      ['--forward', '15432:db.internal:5432'],
      'AWS-StartPortForwardingSessionToRemoteHost',
      {host: ['db.internal'], portNumber: ['5432'], localPortNumber: ['15432']},
    ],
  ])('%j starts %s with its parameters', async (flags, document, parameters) => {
    const {code, stderr} = await runCli(['ssh', ...flags], {cwd, env: envFor()})
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(lastSession()).toMatchObject({Target: instanceId, DocumentName: document, Parameters: parameters, Status: 'Terminated'})
    const json = `{"Target": "${instanceId}", "DocumentName": "${document}", "Reason": "upsc ssh (stage stage2)", "Parameters": ${pythonish(parameters)}}`
    expect(pluginLog()[0]!.argv[4]).toBe(json)
  })

  it('opens one port forwarding session per --forward, side by side, no shell; each is terminated', async () => {
    const before = sessions().length
    const {code, stderr} = await runCli(['ssh', '--forward', '8001:localhost:8000', '-L', '15432:db.internal:5432'], {cwd, env: envFor()})
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const opened = sessions().slice(before)
    expect(opened.map((s) => s.Parameters).sort((a, b) => String(a.localPortNumber).localeCompare(String(b.localPortNumber)))).toEqual([
      {host: ['db.internal'], portNumber: ['5432'], localPortNumber: ['15432']},
      {host: ['localhost'], portNumber: ['8000'], localPortNumber: ['8001']},
    ])
    expect(opened.every((s) => s.DocumentName === 'AWS-StartPortForwardingSessionToRemoteHost' && s.Status === 'Terminated')).toBe(true)
    expect(pluginLog()).toHaveLength(2)
  })

  it('refuses two --forward with the same local port before any AWS call (exit 2)', async () => {
    const before = startSessionCount()
    const {code, stderr} = await runCli(['ssh', '-L', '8001:localhost:8000', '-L', '8001:db:5432'], {cwd, env: envFor()})
    expect(code).toBe(2)
    expect(stderr).toContain('local port 8001 is given twice')
    expect(startSessionCount()).toBe(before)
  })

  it('lets Ctrl-C at the terminal reach the plugin, not upsc (a real pty)', async () => {
    const stop = join(work, 'stop-pty')
    const env = envFor({FAKE_SMP_MODE: 'wait', FAKE_SMP_STOP: stop, SHELL: '/bin/sh'})
    // script(1) runs upsc on a new pseudo-terminal; ^C written to it becomes SIGINT for the foreground group.
    const pty = spawn('script', ['-qec', `exec ${process.execPath} ${RUN} ssh`, '/dev/null'], {
      cwd,
      env: {HOME: cwd, NO_COLOR: '1', ...env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => pty.on('close', resolve))
    let output = ''
    pty.stdout.on('data', (d: Buffer) => (output += d.toString()))
    await waitFor('the plugin to start', () => pluginLog().length > 0)
    expect(pluginLog()[0]!.stdinIsTTY).toBe(true)
    pty.stdin.write('\u0003')
    await waitFor('the plugin to get SIGINT', () => pluginLog().some((e) => e.signal === 'SIGINT'))
    expect(lastSession().Status).toBe('Connected')
    writeFileSync(stop, '')
    expect(await exited).toBe(0)
    // upsc was still there, waiting for the plugin, when the plugin ended: it ignored the key.
    expect(pluginLog().at(-1)).toEqual({event: 'stop', ppid: pluginLog()[0]!.ppid})
    expect(output).not.toMatch(/Error|Interrupted/)
    expect(lastSession().Status).toBe('Terminated')
  })

  it('survives SIGINT sent to its whole process group while the plugin gets it', async () => {
    const stop = join(work, 'stop-group')
    const {child, done} = startCli(['ssh'], envFor({FAKE_SMP_MODE: 'wait', FAKE_SMP_STOP: stop}), {detached: true})
    await waitFor('the plugin to start', () => pluginLog().length > 0)
    process.kill(-child.pid!, 'SIGINT')
    await waitFor('the plugin to get SIGINT', () => pluginLog().some((e) => e.signal === 'SIGINT'))
    writeFileSync(stop, '')
    const {code, stderr} = await done
    // upsc was still the plugin's parent when the plugin ended: the SIGINT did not end it.
    expect(pluginLog().at(-1)).toEqual({event: 'stop', ppid: child.pid})
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(lastSession().Status).toBe('Terminated')
  })

  it('passes SIGTERM on to the plugin, exits with its code and terminates the session', async () => {
    const {child, done} = startCli(['ssh'], envFor({FAKE_SMP_MODE: 'wait'}))
    await waitFor('the plugin to start', () => pluginLog().length > 0)
    child.kill('SIGTERM')
    const {code} = await done
    expect(pluginLog().map((e) => e.signal ?? e.event)).toEqual(['start', 'SIGTERM'])
    expect(code).toBe(143)
    expect(lastSession().Status).toBe('Terminated')
  })

  it('without the plugin: install instructions for Linux, macOS and Windows, exit 2, and no session started', async () => {
    const before = startSessionCount()
    const {code, stderr} = await runCli(['ssh'], {cwd, env: {...standIn.env, PATH: process.env.PATH!}})
    expect(code).toBe(2)
    expect(stderr).toContain("Error: AWS's Session Manager plugin (session-manager-plugin) was not found on PATH.")
    for (const text of [
      'Linux (Debian/Ubuntu)',
      'sudo dpkg -i',
      'Linux (Amazon Linux, RHEL, Fedora)',
      'macOS: brew install --cask session-manager-plugin',
      'Windows:',
      'SessionManagerPluginSetup.exe',
    ])
      expect(stderr).toContain(text)
    expect(startSessionCount()).toBe(before)
  })

  it('terminates the session when the plugin cannot be started', async () => {
    // This copy answers --version, then deletes itself: starting it for the session fails.
    const dir = mkdtempSync(join(work, 'vanishing-'))
    copyFileSync(PLUGIN, join(dir, 'session-manager-plugin'))
    const before = sessions().length
    const {code, stderr} = await runCli(['ssh'], {cwd, env: envFor({PATH: `${dir}:${process.env.PATH}`, FAKE_SMP_MODE: 'vanish'})})
    expect(stderr).toContain('could not be started (ENOENT); the session was terminated.')
    expect(code).toBe(2)
    expect(sessions()).toHaveLength(before + 1)
    expect(lastSession().Status).toBe('Terminated')
  })

  it('lists the instances and names --instance when several match and there is no terminal (exit 2)', async () => {
    const before = startSessionCount()
    const web = standIn.hosts.filter((h: {name: string}) => h.name === 'upscpro-web').map((h: {instanceId: string}) => h.instanceId)
    const {code, stderr} = await runCli(['ssh', '--instance', 'upscpro-web'], {cwd, env: envFor()})
    expect(code).toBe(2)
    expect(stderr).toContain('2 instances match; upsc ssh opens a session on one:')
    for (const id of web) expect(stderr).toMatch(new RegExp(`\\d\\) upscpro-web +${id} +running, agent Online`))
    expect(stderr).toContain('Pick one with --instance')
    expect(startSessionCount()).toBe(before)
  })

  it('asks which one on a terminal and opens the session there', async () => {
    const web = standIn.hosts
      .filter((h: {name: string}) => h.name === 'upscpro-web')
      .map((h: {instanceId: string}) => h.instanceId)
      .sort()
    const pty = spawn('script', ['-qec', `exec ${process.execPath} ${RUN} ssh -i upscpro-web`, '/dev/null'], {
      cwd,
      env: {HOME: cwd, NO_COLOR: '1', SHELL: '/bin/sh', ...envFor()},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => pty.on('close', resolve))
    let output = ''
    pty.stdout.on('data', (d: Buffer) => (output += d.toString()))
    await waitFor('the question', () => output.includes('Which one? [1-2]'))
    pty.stdin.write('7\r')
    await waitFor('the question again', () => output.includes('"7" is not one of the numbers.'))
    pty.stdin.write('2\r')
    expect(await exited).toBe(0)
    expect(output).toContain('2 instances match:')
    expect(pluginLog()[0]!.argv[4]).toContain(`"Target": "${web[1]}"`)
    expect(lastSession()).toMatchObject({Target: web[1], Status: 'Terminated'})
  })

  it('refuses a bad --user or --forward before any AWS call (exit 2)', async () => {
    const before = standIn.sandbox.requestCounts()
    const cases: [string[], string][] = [
      [
        ['--user', 'root;id'],
        'Error: --user "root;id" is not a valid user name.\nNext:  Use a login name of lowercase letters, digits, "_" and "-", starting with a letter or "_", at most 32 characters (e.g. --user ubuntu).\n',
      ],
      [
        ['--forward', '8000:$(id):80'],
        'Error: --forward "8000:$(id):80": "$(id)" is not a host name or address.\nNext:  Write --forward <local-port>:<remote-host>:<remote-port>, e.g. --forward 8000:localhost:8000 or --forward 15432:db.internal:5432.\n',
      ],
      [
        ['--forward', '1:h:2', '--cd'],
        'Error: The following error occurred:\n  --cd=true cannot also be provided when using --forward\nSee more help with --help\n',
      ],
    ]
    for (const [flags, message] of cases) {
      const {code, stderr} = await runCli(['ssh', ...flags], {cwd, env: envFor()})
      expect(code, flags.join(' ')).toBe(2)
      expect(stderr, flags.join(' ')).toBe(message)
    }
    expect(standIn.sandbox.requestCounts()).toEqual(before)
  })

  it('fails with exit 4 when the instance is stopped, before any session', async () => {
    const stopped = await standIn.addHost({name: 'upscpro-stopped', state: 'stopped'})
    const before = startSessionCount()
    const {code, stderr} = await runCli(['ssh', '-i', stopped.instanceId], {cwd, env: envFor()})
    expect(code).toBe(4)
    expect(stderr).toContain(`Cannot open a session: upscpro-stopped (${stopped.instanceId}) is stopped.`)
    expect(startSessionCount()).toBe(before)
  })

  function startCli(args: string[], env: Record<string, string>, options: {detached?: boolean} = {}) {
    const child = spawn(process.execPath, [RUN, ...args], {
      cwd,
      env: {HOME: cwd, NO_COLOR: '1', CI: 'true', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached,
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => (options.detached ? process.kill(-child.pid!, 'SIGKILL') : child.kill('SIGKILL')), 60_000)
    const done = new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code) => (clearTimeout(timer), resolve({code: code ?? -1, stdout, stderr})))
    })
    return {child, done}
  }
})

/** The test's own reading of json.dumps for string-array maps (what the plugin gets as Parameters). */
function pythonish(parameters: Record<string, string[]>): string {
  return `{${Object.entries(parameters)
    .map(([k, v]) => `"${k}": [${v.map((s) => JSON.stringify(s)).join(', ')}]`)
    .join(', ')}}`
}
