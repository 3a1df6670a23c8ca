import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'

import {PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {parseConfig} from '../../src/config/load.js'
// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {jsonDocument, RUN, runCli} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

const TOKEN_VALUE = 'ghp_' + 'x'.repeat(36)
const SCHEMA = resolve(import.meta.dirname, '..', '..', 'schema', 'upsc.config.schema.json')

/** Run `upsc init` on a pseudo-terminal (util-linux `script`), answering each question when it is asked. */
function initOnTty(cwd: string, env: Record<string, string>, answers: Array<[RegExp, string]>): Promise<{code: number; output: string}> {
  return new Promise((done, fail) => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(RUN)} init`
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd,
      env: {PATH: process.env.PATH!, HOME: cwd, NO_COLOR: '1', TERM: 'dumb', ...env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    let next = 0
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
      while (next < answers.length && answers[next]![0].test(output)) {
        child.stdin.write(answers[next]![1] + '\n')
        output += `<answered ${answers[next]![1]}>`
        next++
      }
    })
    child.on('error', fail)
    child.on('close', (code) => {
      clearTimeout(timer)
      child.stdin.destroy()
      done({code: code ?? -1, output})
    })
  })
}

describe('upsc init against the stand-in', () => {
  let standIn: StandIn
  const emptyDir = () => mkdtempSync(join(tmpdir(), 'upsc-init-'))

  beforeAll(async () => {
    standIn = await startStandIn({
      region: 'ap-south-1',
      hosts: [{name: 'upscpro-stage2-docker'}, {name: 'upscpro-stage3-docker'}, {name: 'upscpro-lost-docker', managed: false}],
    })
    const ssm = new SSMClient({
      region: 'ap-south-1',
      endpoint: standIn.env.AWS_ENDPOINT_URL_SSM,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
      maxAttempts: 1,
    })
    for (const [Name, Type] of [
      ['/upscpro/stage2/github-token', 'SecureString'],
      ['/ci/gh-token', 'SecureString'],
      ['/upscpro/stage2/env', 'SecureString'],
      ['/plain/github-token', 'String'],
    ])
      await ssm.send(new PutParameterCommand({Name, Type: Type as 'String', Value: TOKEN_VALUE}))
    ssm.destroy()
  })
  afterAll(async () => standIn?.stop())

  it('--json prints what it found: instances with Name tags and SSM ping, token parameters by name only', async () => {
    const cwd = emptyDir()
    const {code, stdout} = await runCli(['init', '--json'], {cwd, env: standIn.env})
    expect(code).toBe(0)
    expect(stdout).not.toContain(TOKEN_VALUE)
    const result = jsonDocument('init', stdout)
    expect(result.found).toMatchObject({region: 'ap-south-1', regionSource: 'AWS_REGION', tokenParameters: ['/ci/gh-token', '/upscpro/stage2/github-token']})
    expect(result.found.instances.map((i: {name: string; ping?: string}) => [i.name, i.ping ?? 'unmanaged'])).toEqual([
      ['upscpro-lost-docker', 'unmanaged'],
      ['upscpro-stage2-docker', 'Online'],
      ['upscpro-stage3-docker', 'Online'],
    ])
  })

  it('without a terminal uses the flags alone and writes a config that validates, with a working $schema', async () => {
    const cwd = emptyDir()
    const {code, stdout, stderr} = await runCli(['init', '--name-tag', 'upscpro-stage3-docker', '--token-parameter', '/ci/gh-token'], {cwd, env: standIn.env})
    expect(code).toBe(0)
    expect(stderr).toContain('GitHub token parameters (SecureString): /ci/gh-token, /upscpro/stage2/github-token')
    expect(stdout).toContain(`Wrote ${join(cwd, 'upsc.config.json')}`)
    const text = readFileSync(join(cwd, 'upsc.config.json'), 'utf8')
    const doc = JSON.parse(text)
    expect(doc.stages.stage2).toMatchObject({region: 'ap-south-1', instances: {tags: {Name: 'upscpro-stage3-docker'}}, githubTokenParameter: '/ci/gh-token'})
    parseConfig(text, 'upsc.config.json')
    const schemaFile = resolve(dirname(join(cwd, 'upsc.config.json')), doc.$schema)
    expect(existsSync(schemaFile)).toBe(true)
    expect(readFileSync(schemaFile, 'utf8')).toBe(readFileSync(SCHEMA, 'utf8'))
  })

  it('refuses to overwrite a config without --force (exit 2)', async () => {
    const cwd = emptyDir()
    writeFileSync(join(cwd, 'upsc.config.json'), '{}')
    const {code, stderr} = await runCli(['init'], {cwd, env: standIn.env})
    expect(code).toBe(2)
    expect(stderr).toContain('--force')
    expect(readFileSync(join(cwd, 'upsc.config.json'), 'utf8')).toBe('{}')
  })

  it('--status runs upsc status on the config it wrote', async () => {
    const cwd = emptyDir()
    const {stdout} = await runCli(['init', '--instance', standIn.hosts[0].instanceId, '--status'], {cwd, env: standIn.env})
    expect(JSON.parse(readFileSync(join(cwd, 'upsc.config.json'), 'utf8')).stages.stage2.instances).toEqual({ids: [standIn.hosts[0].instanceId]})
    expect(stdout).toContain('stage stage2 · ap-south-1')
    expect(stdout).toMatch(/✔ +SSM agent +online/)
  })

  it('on a terminal offers the instances and token parameters as numbered choices', async () => {
    const cwd = emptyDir()
    const {code, output} = await initOnTty(cwd, standIn.env, [
      [/Which one\? \[1-3\]/, '3'],
      [/Which one\? \[1-3\][\s\S]*Which one\? \[1-3\]/, '2'],
      [/Run `upsc status` now\? \[y\/N\]/, 'n'],
    ])
    expect(output).toMatch(/Instances in ap-south-1 \(Enter: 2\):/)
    expect(output).toMatch(/1\) upscpro-lost-docker +i-[0-9a-f]+ +running +not managed by SSM/)
    expect(output).toMatch(/2\) upscpro-stage2-docker +i-[0-9a-f]+ +running +SSM Online/)
    expect(output).toMatch(/2\) \/upscpro\/stage2\/github-token/)
    expect(output).not.toContain(TOKEN_VALUE)
    expect(code).toBe(0)
    const doc = JSON.parse(readFileSync(join(cwd, 'upsc.config.json'), 'utf8'))
    expect(doc.stages.stage2).toMatchObject({instances: {tags: {Name: 'upscpro-stage3-docker'}}, githubTokenParameter: '/upscpro/stage2/github-token'})
  })
})
