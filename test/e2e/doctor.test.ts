import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CloudWatchLogsClient, CreateLogGroupCommand} from '@aws-sdk/client-cloudwatch-logs'
import {PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {jsonDocument, runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>
type Check = {id: string; verdict: string; detail: string; fix?: string}

describe('upsc doctor against the stand-in', () => {
  let standIn: StandIn
  let pluginDir: string
  const emptyDir = () => mkdtempSync(join(tmpdir(), 'upsc-doctor-'))

  async function doctor(cwd: string, args: string[] = [], env: Record<string, string> = {}) {
    const result = await runCli(['doctor', '--json', ...args], {cwd, env: {...standIn.env, ...env}})
    const parsed = jsonDocument('doctor', result.stdout) as {checks: Check[]; summary: Record<string, number>}
    const byId = (id: string) => parsed.checks.find((c) => c.id === id || c.id.startsWith(`${id}.`))
    return {...result, ...parsed, byId}
  }

  beforeAll(async () => {
    standIn = await startStandIn({region: 'ap-south-1', hosts: [{name: 'upscpro-stage2-docker'}]})
    // A fake session-manager-plugin that answers --version, as the real one does.
    pluginDir = emptyDir()
    writeFileSync(join(pluginDir, 'session-manager-plugin'), '#!/bin/sh\necho 1.2.707.0\n')
    chmodSync(join(pluginDir, 'session-manager-plugin'), 0o755)
  })
  afterAll(async () => standIn?.stop())

  const withPlugin = () => ({PATH: `${pluginDir}:${process.env.PATH}`})

  it('fails the log group and the token parameter while they are missing, with one fix each; passes once they exist', async () => {
    const cwd = emptyDir()
    const before = await doctor(cwd, [], withPlugin())
    expect(before.code).toBe(1)
    expect(before.byId('node')).toMatchObject({verdict: 'ok'})
    expect(before.byId('region')).toMatchObject({verdict: 'ok', detail: 'ap-south-1 (from AWS_REGION)'})
    expect(before.byId('credentials')).toMatchObject({verdict: 'ok'})
    expect(before.byId('plugin')).toMatchObject({verdict: 'ok', detail: expect.stringContaining('1.2.707.0')})
    expect(before.byId('config')).toMatchObject({verdict: 'ok', detail: 'no file: the built-in stage stage2'})
    expect(before.byId('instance')).toMatchObject({verdict: 'ok', detail: expect.stringContaining('running, SSM agent online')})
    expect(before.byId('logs.group')).toMatchObject({
      verdict: 'fail',
      fix: expect.stringContaining('aws logs create-log-group --log-group-name /aws/ec2/upscpro-stage2-docker --region ap-south-1'),
    })
    expect(before.byId('token')).toMatchObject({
      verdict: 'fail',
      fix: expect.stringContaining('aws ssm put-parameter --type SecureString --name /upscpro/stage2/github-token'),
    })

    const credentials = {accessKeyId: 'testing', secretAccessKey: 'testing'}
    const logs = new CloudWatchLogsClient({region: 'ap-south-1', endpoint: standIn.motoUrl, credentials, maxAttempts: 1})
    await logs.send(new CreateLogGroupCommand({logGroupName: '/aws/ec2/upscpro-stage2-docker'}))
    logs.destroy()
    const ssm = new SSMClient({region: 'ap-south-1', endpoint: standIn.env.AWS_ENDPOINT_URL_SSM, credentials, maxAttempts: 1})
    await ssm.send(new PutParameterCommand({Name: '/upscpro/stage2/github-token', Type: 'SecureString', Value: 'ghp_' + 'z'.repeat(36)}))
    ssm.destroy()

    const after = await doctor(cwd, [], withPlugin())
    expect(after.byId('logs.group')).toMatchObject({verdict: 'ok'})
    expect(after.byId('token')).toMatchObject({verdict: 'ok', detail: '/upscpro/stage2/github-token (SecureString, value not read)'})
    expect(after.stdout).not.toContain('z'.repeat(36))
    expect(after.summary.fail).toBe(0)
    expect(after.code).toBe(0)
  })

  it('skips the IAM checks with the reason when the endpoint cannot simulate policies (moto does not implement it)', async () => {
    const {byId} = await doctor(emptyDir(), [], withPlugin())
    expect(byId('iam.operator')).toMatchObject({verdict: 'skip', detail: expect.stringMatching(/^not checked: iam:SimulatePrincipalPolicy is not available/)})
  })

  it('warns, with the install guide, when session-manager-plugin is missing', async () => {
    const {byId} = await doctor(emptyDir(), [], {PATH: '/usr/bin:/bin'})
    expect(byId('plugin')).toMatchObject({verdict: 'warn', fix: expect.stringContaining('session-manager-working-with-install-plugin')})
  })

  it('fails the credentials with what to run, and skips the account checks', async () => {
    const {code, byId} = await doctor(emptyDir(), [], {AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ...withPlugin()})
    expect(code).toBe(1)
    expect(byId('credentials')).toMatchObject({verdict: 'fail', detail: 'No AWS credentials were found.', fix: expect.stringContaining('aws sso login')})
    expect(byId('account')).toMatchObject({verdict: 'skip', detail: 'not checked: no working credentials'})
  })

  it('fails a region that is not one', async () => {
    const {code, byId} = await doctor(emptyDir(), ['--region', 'mumbai'], withPlugin())
    expect(code).toBe(1)
    expect(byId('region')).toMatchObject({verdict: 'fail', fix: expect.stringContaining('--region ap-south-1')})
  })

  it('fails an invalid config with its key path', async () => {
    const cwd = emptyDir()
    writeFileSync(join(cwd, 'upsc.config.json'), JSON.stringify({stages: {stage2: {keepImages: 0}}}))
    const {byId} = await doctor(cwd, [], withPlugin())
    expect(byId('config')).toMatchObject({verdict: 'fail', detail: expect.stringContaining('stages.stage2.keepImages: expected an integer from 1 to 100')})
  })

  it('fails a stopped instance, an unmanaged one, and a selector that matches nothing', async () => {
    const stopped = await standIn.addHost({name: 'upscpro-stopped-docker', state: 'stopped'})
    await standIn.addHost({name: 'upscpro-unmanaged-docker', managed: false})
    const stages = {
      stopped: sandboxStage({region: 'ap-south-1', instances: {tags: {Name: 'upscpro-stopped-docker'}}}),
      unmanaged: sandboxStage({region: 'ap-south-1', instances: {tags: {Name: 'upscpro-unmanaged-docker'}}}),
      none: sandboxStage({region: 'ap-south-1', instances: {tags: {Name: 'upscpro-nothing-docker'}}}),
    }
    const cwd = writeConfig(stages)
    const a = await doctor(cwd, ['--stage', 'stopped'], withPlugin())
    expect(a.byId('instance')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('is stopped'),
      fix: `Start it: aws ec2 start-instances --instance-ids ${stopped.instanceId}`,
    })
    const b = await doctor(cwd, ['--stage', 'unmanaged'], withPlugin())
    expect(b.byId('instance')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('not managed by Systems Manager'),
      fix: expect.stringContaining('AmazonSSMManagedInstanceCore'),
    })
    const c = await doctor(cwd, ['--stage', 'none'], withPlugin())
    expect(c.byId('instances')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('No instance of stage "none"'),
      fix: expect.stringContaining('upsc init'),
    })
  })

  it('prints one line per check and the fix under each failure', async () => {
    const cwd = emptyDir()
    mkdirSync(join(cwd, 'sub'))
    const {code, stdout} = await runCli(['doctor', '--region', 'mumbai'], {cwd, env: {...standIn.env, ...withPlugin()}})
    expect(code).toBe(1)
    expect(stdout).toMatch(/✖ +Region +"mumbai" \(from --region\) is not an AWS region\n +fix: Pass --region ap-south-1/)
    expect(stdout).toMatch(/✖ \d+ ok, \d+ warnings?, 1 failed, \d+ skipped: fix the failures above/)
  })
})
