import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {type CliResult, jsonDocument, RUN, runCli, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

// Words a shell would act on; they must reach the host's command as plain data.
const hostileWords = (canary: string) => [
  "it's",
  '"double"',
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `; touch ${canary}`,
  `&& touch ${canary}`,
  '$HOME ${PATH}',
  'two\nlines',
  '*',
  '-n',
  '--json',
  '--help',
  '',
  '  spaced  ',
  'back\\slash',
  'ünïcödé ✓',
]

describe('upsc exec against the stand-in', () => {
  let standIn: StandIn
  let cwd: string
  let hostA: {instanceId: string; host: {root: string; run: (script: string) => Promise<{code: number}>}}
  let hostB: typeof hostA
  const exec = (args: string[], timeoutMs?: number) => runCli(['exec', ...args], {cwd, env: standIn.env, timeoutMs})

  beforeAll(async () => {
    // Two instances of one stage (the same Name tag); only the first has the marker file.
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}, {name: 'upscpro-stage2-docker'}]})
    ;[hostA, hostB] = standIn.hosts
    expect((await hostA.host.run('printf "present\\n" > marker')).code).toBe(0)
    cwd = writeConfig({stage2: {region: 'eu-central-1', instances: {tags: {Name: 'upscpro-stage2-docker'}}}})
  })
  afterAll(async () => standIn?.stop())

  it('runs on every instance, prefixes the output by instance, and fails when one host fails', async () => {
    const {code, stdout, stderr} = await exec(['--', 'cat', 'marker'])
    expect(code).toBe(1)
    expect(stdout.split('\n').sort()).toEqual(['', `[${hostA.instanceId}] present`, `[${hostB.instanceId}] cat: marker: No such file or directory`].sort())
    expect(stderr).toMatch(new RegExp(`upscpro-stage2-docker \\(${hostA.instanceId}\\) +ok +0`))
    expect(stderr).toMatch(new RegExp(`upscpro-stage2-docker \\(${hostB.instanceId}\\) +failed +1`))
    expect(stderr).toContain('1 of 2 instances failed; exit code 1.')
  })

  it('exits 0 with a summary when every host succeeds', async () => {
    const {code, stdout, stderr} = await exec(['--', 'test', '-d', '.git'])
    expect(stdout).toBe('')
    expect(stderr).toContain('All 2 instances succeeded.')
    expect(code).toBe(0)
  })

  it('gives per-instance stdout, stderr and exit code with --json', async () => {
    const {code, stdout} = await exec(['--json', '--', 'cat', 'marker'])
    expect(code).toBe(1)
    const result = jsonDocument('exec', stdout)
    expect(result).toMatchObject({schema: 1, stage: 'stage2', command: ['cat', 'marker'], exitCode: 1, interrupted: false})
    const byId = Object.fromEntries(result.hosts.map((h: {instanceId: string}) => [h.instanceId, h]))
    expect(byId[hostA.instanceId]).toMatchObject({outcome: 'succeeded', exitCode: 0, status: 'Success', stdout: 'present\n', stderr: ''})
    expect(byId[hostB.instanceId]).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      status: 'Failed',
      stdout: '',
      stderr: 'cat: marker: No such file or directory\n',
    })
  })

  it("passes the host's own exit code through for one instance", async () => {
    const {code, stdout, stderr} = await exec(['-i', hostA.instanceId, '--', 'bash', '-c', 'echo about to fail; exit 7'])
    expect(stdout).toBe('about to fail\n')
    expect(stderr).toContain(`upscpro-stage2-docker (${hostA.instanceId}): exit 7`)
    expect(code).toBe(7)
  })

  it('delivers hostile words verbatim and runs none of them (--json and live output)', async () => {
    const canary = join(hostA.host.root, 'CANARY')
    const words = hostileWords(canary)
    const expected = words.map((w) => `<${w}>\n`).join('')
    const json = await exec(['-i', hostA.instanceId, '--json', '--', 'printf', '<%s>\\n', ...words])
    expect(json.code).toBe(0)
    const result = JSON.parse(json.stdout)
    expect(result.command).toEqual(['printf', '<%s>\\n', ...words])
    expect(result.hosts[0].stdout).toBe(expected)
    // Live output comes line by line from CloudWatch Logs.
    const live = await exec(['-i', hostA.instanceId, '--', 'printf', '<%s>\\n', ...words])
    expect(live.stderr).toBe('')
    expect(live.stdout).toBe(expected)
    expect(existsSync(canary)).toBe(false)
  })

  it('never reads the words after -- as upsc flags', async () => {
    const {code, stdout} = await exec(['-i', hostA.instanceId, '--', 'echo', '--json', '--help', '--version', '-i', 'x'])
    expect(stdout).toBe('--json --help --version -i x\n')
    expect(code).toBe(0)
  })

  it('stops the command at --timeout and exits 124', async () => {
    const {code, stderr} = await exec(['-i', hostA.instanceId, '--timeout', '1', '--', 'sleep', '30'])
    expect(stderr).toContain('timed out after 1s (exit 124)')
    expect(code).toBe(124)
  })

  it('cancels the command on the hosts on Ctrl-C and exits 130', async () => {
    const before = new Set(standIn.sandbox.commands().map((c: {commandId: string}) => c.commandId))
    const {code, stderr} = await runUntil(['exec', '--', 'bash', '-c', 'echo started; sleep 30'], 'started', 'SIGINT')
    expect(stderr).toContain('Interrupted: the command was cancelled on the hosts.')
    expect(code).toBe(130)
    const sent = standIn.sandbox.commands().filter((c: {commandId: string}) => !before.has(c.commandId))
    expect(sent).toHaveLength(1)
    expect(sent[0].invocations.map((i: {status: string}) => i.status)).toEqual(['Cancelled', 'Cancelled'])
  })

  it('refuses a command without -- before any AWS call, with exit 2', async () => {
    for (const args of [['ls'], ['ls', '-la']]) {
      const {code, stderr} = await exec(args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr).toContain('Error: Put the command after --, so that its words are never taken for upsc flags.')
      expect(stderr).toContain('upsc exec -- docker compose ps')
    }
  })

  /** Run the CLI and send it a signal once its stdout shows `marker`. */
  function runUntil(args: string[], marker: string, signal: NodeJS.Signals): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [RUN, ...args], {
        cwd,
        env: {PATH: process.env.PATH!, HOME: cwd, NO_COLOR: '1', CI: 'true', ...standIn.env},
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      let sent = false
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (!sent && stdout.includes(marker)) (sent = true), child.kill(signal)
      })
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('error', reject)
      child.on('close', (code) => (clearTimeout(timer), resolve({code: code ?? -1, stdout, stderr})))
    })
  }
})
