// The whole stand-in, used the way the end-to-end tests and the demo use it: through env.
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import * as ssmSdk from '@aws-sdk/client-ssm'
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {waitFor} from '../../tools/stand-in/util.js'
import {pidAlive, run, sdkConfig, waitForInvocation} from './helpers.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** @type {Awaited<ReturnType<typeof startStandIn>>} */
let standIn
/** @type {import('@aws-sdk/client-ssm').SSMClient} */
let ssm

/**
 * A separate Node process that knows only the stand-in's env, as the CLI will.
 * It prints what EC2 and SSM report.
 */
async function describeFromEnv() {
  const program = `
    import { EC2Client, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
    import { SSMClient, DescribeInstanceInformationCommand } from '@aws-sdk/client-ssm';
    const ec2 = await new EC2Client({ maxAttempts: 1 }).send(new DescribeInstancesCommand({}));
    const ssm = await new SSMClient({ maxAttempts: 1 }).send(new DescribeInstanceInformationCommand({}));
    console.log(JSON.stringify({
      ec2: ec2.Reservations.flatMap((r) => r.Instances).map((i) => ({ id: i.InstanceId, name: i.Tags.find((t) => t.Key === 'Name').Value, state: i.State.Name })),
      ssm: ssm.InstanceInformationList.map((i) => ({ id: i.InstanceId, ping: i.PingStatus })),
    }));`
  const env = {PATH: /** @type {string} */ (process.env.PATH), HOME: standIn.tmpDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...standIn.env}
  const result = await run(`node --input-type=module -e "$PROGRAM"`, {env: {...env, PROGRAM: program}, cwd: REPO})
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout)
}

beforeAll(async () => {
  standIn = await startStandIn({
    hosts: [
      {name: 'upscpro-stage2-docker', tags: {Stage: 'stage2'}},
      {name: 'unmanaged-box', managed: false},
      {name: 'sleeping', state: 'stopped'},
    ],
  })
  ssm = new ssmSdk.SSMClient(sdkConfig(standIn.ssmUrl))
}, 60_000)

afterAll(async () => {
  ssm?.destroy()
  await standIn?.stop()
})

describe('startStandIn', {timeout: 40_000}, () => {
  it('creates EC2 instances in moto and registers the managed ones with the SSM sandbox', async () => {
    const seen = await describeFromEnv()
    const [stage2, unmanaged, sleeping] = standIn.hosts
    expect(seen.ec2).toEqual(
      expect.arrayContaining([
        {id: stage2.instanceId, name: 'upscpro-stage2-docker', state: 'running'},
        {id: unmanaged.instanceId, name: 'unmanaged-box', state: 'running'},
        {id: sleeping.instanceId, name: 'sleeping', state: 'stopped'},
      ]),
    )
    expect(seen.ssm).toEqual([
      {id: stage2.instanceId, ping: 'Online'},
      {id: sleeping.instanceId, ping: 'ConnectionLost'},
    ])
    expect(standIn.env).toMatchObject({
      AWS_ENDPOINT_URL: standIn.motoUrl,
      AWS_ENDPOINT_URL_SSM: standIn.ssmUrl,
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
    })
  })

  it('lets a script on a host read a SecureString through the aws CLI, and deploy', async () => {
    const {instanceId} = standIn.hosts[0]
    await ssm.send(new ssmSdk.PutParameterCommand({Name: '/upsc/stage2/github-token', Value: 'ghp_fromparamstore', Type: 'SecureString'}))
    const sent = await ssm.send(
      new ssmSdk.SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        Targets: [{Key: 'tag:Stage', Values: ['stage2']}],
        Parameters: {
          commands: [
            // As on AWS: the agent runs `sh -c`, bash only through the first line; no AWS_REGION.
            '#!/bin/bash',
            'set -euo pipefail',
            'aws ssm get-parameter --region "$AWS_SSM_REGION_NAME" --name /upsc/stage2/github-token --with-decryption --query Parameter.Value --output text',
            'docker compose up -d 2>/dev/null',
            `docker compose ps --format '{{.Service}}={{.Health}}' api`,
          ],
          workingDirectory: ['/opt/upscpro/upscapp-be'],
        },
      }),
    )
    const {result} = await waitForInvocation(ssm, ssmSdk, /** @type {string} */ (sent.Command?.CommandId), instanceId, {timeoutMs: 30_000})
    expect(result.StandardErrorContent).toBe('')
    expect(result).toMatchObject({Status: 'Success', StandardOutputContent: 'ghp_fromparamstore\napi=healthy\n'})
  })

  it('stops and starts instances: EC2 state and agent ping together', async () => {
    const {instanceId} = standIn.hosts[0]
    await standIn.stopInstance(instanceId)
    const send = () =>
      ssm.send(new ssmSdk.SendCommandCommand({DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: {commands: ['true']}}))
    await expect(send()).rejects.toMatchObject({name: 'InvalidInstanceId'})
    const stopped = await describeFromEnv()
    expect(stopped.ec2.find((/** @type {any} */ i) => i.id === instanceId).state).toBe('stopped')
    expect(stopped.ssm.find((/** @type {any} */ i) => i.id === instanceId).ping).toBe('ConnectionLost')

    await standIn.startInstance(instanceId)
    const sent = await send()
    const {result} = await waitForInvocation(ssm, ssmSdk, /** @type {string} */ (sent.Command?.CommandId), instanceId)
    expect(result.Status).toBe('Success')
  })

  it('adds hosts on the fly', async () => {
    const added = await standIn.addHost({name: 'upscpro-stage2-docker-2', dockerReadyDelayMs: 0})
    expect(standIn.host('upscpro-stage2-docker-2')).toBe(added)
    const info = await ssm.send(new ssmSdk.DescribeInstanceInformationCommand({Filters: [{Key: 'InstanceIds', Values: [added.instanceId]}]}))
    expect(info.InstanceInformationList?.[0].PingStatus).toBe('Online')
  })

  it('stop() kills every service process, leftover jobs, the sandbox and moto, and removes its temp dir', async () => {
    const {instanceId, host} = standIn.hosts[0]
    // Its own containers, whatever the tests before it did.
    const up = await run('docker compose up -d', {env: host.env, cwd: host.appDir})
    expect(up.code).toBe(0)
    const sent = await ssm.send(
      new ssmSdk.SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Parameters: {commands: ['sleep 300 >/dev/null 2>&1 &', 'echo $!']},
      }),
    )
    const {result} = await waitForInvocation(ssm, ssmSdk, /** @type {string} */ (sent.Command?.CommandId), instanceId)
    expect(result.Status).toBe('Success')
    const leftover = Number(result.StandardOutputContent)
    const pids = [leftover, ...standIn.hosts.flatMap(({host}) => host.containers().map((c) => /** @type {number} */ (c.pid)))]
    expect(pids.length).toBeGreaterThanOrEqual(3)
    expect(pids.every(pidAlive)).toBe(true)
    await standIn.stop()
    // SIGKILL is sent at once; the processes are gone when the kernel has run the signal.
    await waitFor(() => !pids.some(pidAlive), {what: 'every process to die'})
    expect(pidAlive(standIn.moto.pid)).toBe(false)
    expect(fs.existsSync(standIn.tmpDir)).toBe(false)
    await expect(fetch(`${standIn.ssmUrl}/_sandbox/health`)).rejects.toThrow()
  })
})
