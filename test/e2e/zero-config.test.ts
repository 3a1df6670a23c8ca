import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {runCli, startAppOnHost} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

/** The stand-in's environment without any region setting: a fresh machine with only credentials. */
function withoutRegion(env: Record<string, string>): Record<string, string> {
  const {AWS_REGION: _r, AWS_DEFAULT_REGION: _d, ...rest} = env
  return rest
}

describe('no config file: the built-in stage2', () => {
  let standIn: StandIn
  let instanceId: string
  const emptyDir = () => mkdtempSync(join(tmpdir(), 'upsc-zero-'))

  beforeAll(async () => {
    standIn = await startStandIn({region: 'ap-south-1', hosts: [{name: 'upscpro-stage2-docker'}]})
    instanceId = standIn.hosts[0].instanceId
    startAppOnHost(standIn.hosts[0].host)
  })
  afterAll(async () => standIn?.stop())

  it('status finds the stage by its Name tag, in AWS_REGION, and says so in one dim stderr line', async () => {
    const {code, stdout, stderr} = await runCli(['status'], {cwd: emptyDir(), env: standIn.env})
    expect(stderr.trim().split('\n')).toEqual([
      'No upsc.config.json: using the built-in stage stage2 (instances tagged Name=upscpro-stage2-docker, region ap-south-1 from AWS_REGION). `upsc init` writes a config.',
    ])
    expect(stdout).toContain('stage stage2 · ap-south-1')
    expect(stdout).toContain(`upscpro-stage2-docker (${instanceId})`)
    expect(stdout).toMatch(/✔ +SSM agent +online/)
    expect(stdout).toMatch(/✔ +Repository +main @ [0-9a-f]{7}/)
    expect([0, 1]).toContain(code)
  })

  it('--instance with --region works with nothing else set', async () => {
    const {stdout, stderr} = await runCli(['status', '--instance', instanceId, '--region', 'ap-south-1'], {cwd: emptyDir(), env: withoutRegion(standIn.env)})
    expect(stderr).toContain(`(${instanceId}, region ap-south-1 from --region)`)
    expect(stdout).toMatch(/✔ +EC2 state +running/)
  })

  it('takes the region from the profile, else ap-south-1', async () => {
    const home = emptyDir()
    const fromDefault = await runCli(['status', '--instance', instanceId], {cwd: home, env: withoutRegion(standIn.env)})
    expect(fromDefault.stderr).toContain('region ap-south-1 from the default')
    expect(fromDefault.stdout).toMatch(/✔ +EC2 state +running/)
    writeFileSync(join(home, 'aws-config'), '[default]\nregion = eu-west-1\n')
    const fromProfile = await runCli(['status', '--instance', instanceId], {
      cwd: home,
      env: {...withoutRegion(standIn.env), AWS_CONFIG_FILE: join(home, 'aws-config')},
    })
    expect(fromProfile.stderr).toContain("region eu-west-1 from the profile's region")
    // The stand-in's instance lives in ap-south-1: in eu-west-1 there is no such instance.
    expect(fromProfile.code).not.toBe(0)
  })

  it('prints nothing on stderr with --json', async () => {
    const {stdout, stderr} = await runCli(['status', '--json'], {cwd: emptyDir(), env: standIn.env})
    expect(stderr).toBe('')
    expect(JSON.parse(stdout)).toMatchObject({stage: 'stage2', region: 'ap-south-1'})
  })

  it('refuses another stage name without a config', async () => {
    const {code, stderr} = await runCli(['status', '--stage', 'prod'], {cwd: emptyDir(), env: standIn.env})
    expect(code).toBe(2)
    expect(stderr).toContain('upsc init --stage prod')
  })

  it('deploy refuses until the token parameter is known, then uses the conventional one', async () => {
    const cwd = emptyDir()
    const refused = await runCli(['deploy', '--branch', 'main'], {cwd, env: standIn.env})
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('/upscpro/stage2/github-token does not exist in ap-south-1')
    expect(refused.stderr).toContain('upsc init')
    expect(refused.stdout).not.toContain('Sent deploy')

    const ssm = new SSMClient({
      region: 'ap-south-1',
      endpoint: standIn.env.AWS_ENDPOINT_URL_SSM,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
      maxAttempts: 1,
    })
    await ssm.send(new PutParameterCommand({Name: '/upscpro/stage2/github-token', Type: 'SecureString', Value: 'ghp_' + 'a'.repeat(36)}))
    ssm.destroy()
    // --detach: the built-in stage's health check (localhost:8000) is not the sandbox's port.
    const sent = await runCli(['deploy', '--branch', 'main', '--detach', '--json'], {cwd, env: standIn.env})
    expect(sent.code).toBe(0)
    expect(JSON.parse(sent.stdout)).toMatchObject({detached: true, commandId: expect.any(String)})
  })
})
