// The SSM sandbox, driven through @aws-sdk/client-ssm exactly as the CLI will drive it.
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import * as ssmSdk from '@aws-sdk/client-ssm'
import {CloudWatchLogsClient, GetLogEventsCommand} from '@aws-sdk/client-cloudwatch-logs'
import {EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {startMoto} from '../../tools/stand-in/moto.js'
import {createSandboxHost} from '../../tools/stand-in/sandbox-host.js'
import {startSsmSandbox} from '../../tools/stand-in/ssm-sandbox.js'
import {waitFor} from '../../tools/stand-in/util.js'
import {pidAlive, sdkConfig, tempDir, waitForInvocation} from './helpers.ts'

const {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  GetParameterCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  PutParameterCommand,
  SendCommandCommand,
  SSMClient,
  StartSessionCommand,
  TerminateSessionCommand,
} = ssmSdk

/** @type {ReturnType<typeof tempDir>} */ let temp
/** @type {Awaited<ReturnType<typeof startMoto>>} */ let moto
/** @type {Awaited<ReturnType<typeof startSsmSandbox>>} */ let sandbox
/** @type {import('@aws-sdk/client-ssm').SSMClient} */ let ssm
/** @type {CloudWatchLogsClient} */ let logs
/** @type {Record<string, {instanceId: string, host: import('../../tools/stand-in/sandbox-host.js').SandboxHost}>} */
const hosts = {}

/**
 * A sandbox host backed by an EC2 instance in moto, registered as managed.
 * @param {EC2Client} ec2 @param {string} name @param {string} role
 */
async function addHost(ec2, name, role) {
  const host = createSandboxHost({dir: path.join(temp.dir, name), name})
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            {Key: 'Name', Value: name},
            {Key: 'Role', Value: role},
          ],
        },
      ],
    }),
  )
  const instanceId = /** @type {string} */ (result.Instances?.[0].InstanceId)
  sandbox.registerInstance({instanceId, host, computerName: name})
  hosts[name] = {instanceId, host}
}

/**
 * Send a script and wait for the invocation on one instance.
 * @param {string} instanceId
 * @param {string[]} commands
 * @param {Partial<import('@aws-sdk/client-ssm').SendCommandCommandInput> & {executionTimeout?: string, workingDirectory?: string}} [extra]
 */
async function runOn(instanceId, commands, {executionTimeout, workingDirectory, ...extra} = {}) {
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [instanceId],
      Parameters: {
        commands,
        ...(executionTimeout ? {executionTimeout: [executionTimeout]} : {}),
        ...(workingDirectory ? {workingDirectory: [workingDirectory]} : {}),
      },
      ...extra,
    }),
  )
  const commandId = /** @type {string} */ (sent.Command?.CommandId)
  return {sent, commandId, ...(await waitForInvocation(ssm, ssmSdk, commandId, instanceId))}
}

/** @param {Promise<unknown>} promise */
async function errorName(promise) {
  try {
    await promise
  } catch (error) {
    return /** @type {Error} */ (error).name
  }
  return 'no error'
}

beforeAll(async () => {
  temp = tempDir('rig-ssm')
  moto = await startMoto()
  sandbox = await startSsmSandbox({motoUrl: moto.url, region: 'eu-central-1'})
  ssm = new SSMClient(sdkConfig(sandbox.url))
  logs = new CloudWatchLogsClient(sdkConfig(moto.url))
  const ec2 = new EC2Client(sdkConfig(moto.url))
  await addHost(ec2, 'web-a', 'web')
  await addHost(ec2, 'web-b', 'web')
  await addHost(ec2, 'jobs', 'jobs')
  ec2.destroy()
}, 60_000)

afterAll(async () => {
  ssm?.destroy()
  logs?.destroy()
  await sandbox?.stop()
  for (const {host} of Object.values(hosts)) host.cleanup()
  await moto?.stop()
  temp?.remove()
})

describe('SendCommand / GetCommandInvocation', {timeout: 30_000}, () => {
  it('runs the script with bash on the host, in workingDirectory, and reports real output', async () => {
    const {instanceId, host} = hosts['web-a']
    const {sent, result, statuses} = await runOn(
      instanceId,
      ['set -e', 'echo "root=$UPSC_ROOT"', 'pwd', 'echo "id=$AWS_SSM_INSTANCE_ID"', 'echo warn >&2', 'sleep 0.3'],
      {workingDirectory: '/opt/upscpro/upscapp-be'},
    )
    expect(sent.Command?.Status).toBe('Pending')
    expect(sent.Command?.CommandId).toMatch(/^[0-9a-f-]{36}$/)
    expect(statuses).toEqual(['InProgress', 'Success'])
    expect(result).toMatchObject({Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardErrorContent: 'warn\n'})
    expect(result.StandardOutputContent).toBe(`root=${host.root}\n${host.appDir}\nid=${instanceId}\n`)
    expect(
      Date.parse(/** @type {string} */ (result.ExecutionEndDateTime)) - Date.parse(/** @type {string} */ (result.ExecutionStartDateTime)),
    ).toBeGreaterThanOrEqual(250)
  })

  it('gives the environment of the agent: instance id and region, no AWS_REGION, no credentials', async () => {
    const {instanceId} = hosts['web-a']
    const {result} = await runOn(instanceId, ['env | grep ^AWS_ | sort'])
    expect(result.StandardOutputContent).toBe(`AWS_SSM_INSTANCE_ID=${instanceId}\nAWS_SSM_REGION_NAME=eu-central-1\n`)
  })

  it('lets host tools reach the stand-in as the instance role, with no region unless given (AWS CLI v1)', async () => {
    await ssm.send(new PutParameterCommand({Name: '/rig/role-check', Value: 'from-the-role', Type: 'SecureString', Overwrite: true}))
    const get = 'aws ssm get-parameter --name /rig/role-check --with-decryption --query Parameter.Value --output text'
    const {result} = await runOn(hosts['web-b'].instanceId, [`${get} --region "$AWS_SSM_REGION_NAME"`, `${get} || echo "no region: $?"`])
    expect(result.StandardOutputContent).toBe('from-the-role\nno region: 255\n')
    expect(result.StandardErrorContent).toContain('You must specify a region')
  })

  it('runs the commands from the orchestration folder of the agent, named by the command id', async () => {
    const {host, instanceId} = hosts['web-a']
    const {result, commandId} = await runOn(instanceId, ['#!/bin/bash', 'echo "$0"', 'pwd'])
    const dir = path.join(host.root, 'var/lib/amazon/ssm', instanceId, 'document/orchestration', commandId, 'awsrunShellScript/0.awsrunShellScript')
    expect(result.StandardOutputContent).toBe(`${dir}/_script.sh\n${dir}\n`)
  })

  it('goes Pending, then InProgress, then a final status, after a while of InvocationDoesNotExist', async () => {
    const slow = await startSsmSandbox({motoUrl: moto.url, region: 'eu-central-1', invocationVisibleDelayMs: 50, pendingDelayMs: 400})
    const client = new SSMClient(sdkConfig(slow.url))
    try {
      const {instanceId, host} = hosts['web-b']
      slow.registerInstance({instanceId, host})
      const sent = await client.send(
        new SendCommandCommand({DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: {commands: ['sleep 0.3']}}),
      )
      const {statuses, notFound} = await waitForInvocation(client, ssmSdk, /** @type {string} */ (sent.Command?.CommandId), instanceId, {intervalMs: 20})
      expect(notFound).toBeGreaterThanOrEqual(1)
      expect(statuses).toEqual(['Pending', 'InProgress', 'Success'])
    } finally {
      client.destroy()
      await slow.stop()
    }
  })

  it('reports Failed with the exit code', async () => {
    const {result} = await runOn(hosts['web-a'].instanceId, ['echo before', 'exit 3'])
    expect(result).toMatchObject({Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 3, StandardOutputContent: 'before\n'})
  })

  it('fails like the agent when workingDirectory does not exist', async () => {
    const {result} = await runOn(hosts['web-a'].instanceId, ['echo never'], {workingDirectory: '/no/such/dir'})
    expect(result).toMatchObject({Status: 'Failed', ResponseCode: 1, StandardOutputContent: ''})
    expect(result.StandardErrorContent).toContain('chdir /no/such/dir: no such file or directory')
  })

  it('times out after executionTimeout and kills the whole process group', async () => {
    const {host, instanceId} = hosts['web-a']
    const pidFile = path.join(host.root, 'tmp', 'timeout.pid')
    const {result} = await runOn(
      instanceId,
      [`trap 'echo trapped > "${pidFile}.trapped"' TERM INT HUP EXIT`, `sleep 30 & echo $! > "${pidFile}"`, 'echo waiting', 'wait'],
      {executionTimeout: '1'},
    )
    expect(result).toMatchObject({Status: 'TimedOut', StatusDetails: 'Execution Timed Out', ResponseCode: 137, StandardOutputContent: 'waiting\n'})
    // Stopped at the timeout, not before; and the 30 s sleep is dead long before it could have ended.
    expect(
      Date.parse(/** @type {string} */ (result.ExecutionEndDateTime)) - Date.parse(/** @type {string} */ (result.ExecutionStartDateTime)),
    ).toBeGreaterThanOrEqual(1000)
    expect(pidAlive(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false)
    expect(fs.existsSync(`${pidFile}.trapped`)).toBe(false) // SIGKILL: no trap ran
  })

  it('answers InvocationDoesNotExist right after SendCommand (the known race)', async () => {
    const {host, instanceId} = hosts['web-a']
    // A window of 3 s instead of 100 ms, so that "right after" holds on a busy machine too.
    const slow = await startSsmSandbox({motoUrl: moto.url, region: 'eu-central-1', invocationVisibleDelayMs: 3000})
    const client = new SSMClient(sdkConfig(slow.url))
    try {
      slow.registerInstance({instanceId, host, computerName: 'web-a'})
      const sent = await client.send(new SendCommandCommand({DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: {commands: ['true']}}))
      const CommandId = /** @type {string} */ (sent.Command?.CommandId)
      expect(await errorName(client.send(new GetCommandInvocationCommand({CommandId, InstanceId: instanceId})))).toBe('InvocationDoesNotExist')
      const {result, notFound} = await waitForInvocation(client, ssmSdk, CommandId, instanceId)
      expect(notFound).toBeGreaterThanOrEqual(1)
      expect(result.Status).toBe('Success')
      expect(await errorName(client.send(new GetCommandInvocationCommand({CommandId: '00000000-0000-0000-0000-000000000000', InstanceId: instanceId})))).toBe(
        'InvocationDoesNotExist',
      )
    } finally {
      client.destroy()
      await slow.stop()
    }
  })

  it('cuts StandardOutputContent at 24,000 and StandardErrorContent at 8,000 characters', async () => {
    const {result, commandId} = await runOn(hosts['web-a'].instanceId, [`head -c 30000 /dev/zero | tr '\\0' a`, `head -c 10000 /dev/zero | tr '\\0' b >&2`])
    expect(result.StandardOutputContent).toHaveLength(24_000)
    expect(result.StandardErrorContent).toHaveLength(8_000)
    const listed = await ssm.send(new ListCommandInvocationsCommand({CommandId: commandId, Details: true}))
    const output = /** @type {string} */ (listed.CommandInvocations?.[0].CommandPlugins?.[0].Output)
    expect(output.length).toBeLessThanOrEqual(2_500)
    expect(output).toContain('---Output truncated---')
  })

  it('rejects unknown and offline instances with InvalidInstanceId', async () => {
    const send = (/** @type {string} */ id) =>
      ssm.send(new SendCommandCommand({DocumentName: 'AWS-RunShellScript', InstanceIds: [id], Parameters: {commands: ['true']}}))
    expect(await errorName(send('i-0123456789abcdef0'))).toBe('InvalidInstanceId')
    const {instanceId} = hosts.jobs
    sandbox.updateInstance(instanceId, {pingStatus: 'ConnectionLost'})
    try {
      expect(await errorName(send(instanceId))).toBe('InvalidInstanceId')
    } finally {
      sandbox.updateInstance(instanceId, {pingStatus: 'Online'})
    }
  })

  it('validates its input like the service', async () => {
    const base = {DocumentName: 'AWS-RunShellScript', Parameters: {commands: ['true']}}
    const ids = Array.from({length: 51}, (_, i) => `i-${String(i).padStart(17, '0')}`)
    expect(await errorName(ssm.send(new SendCommandCommand({...base, InstanceIds: ids})))).toBe('ValidationException')
    expect(await errorName(ssm.send(new SendCommandCommand({...base, DocumentName: 'AWS-RunPowerShellScript', InstanceIds: [hosts.jobs.instanceId]})))).toBe(
      'InvalidDocument',
    )
    expect(
      await errorName(ssm.send(new SendCommandCommand({...base, InstanceIds: [hosts.jobs.instanceId], Targets: [{Key: 'tag:Role', Values: ['web']}]}))),
    ).toBe('ValidationException')
  })
})

describe('CloudWatch output', {timeout: 30_000}, () => {
  /** @param {string} group @param {string} stream */
  async function messages(group, stream) {
    try {
      const result = await logs.send(new GetLogEventsCommand({logGroupName: group, logStreamName: stream, startFromHead: true}))
      return (result.events ?? []).map((event) => event.message)
    } catch (error) {
      if (/** @type {Error} */ (error).name === 'ResourceNotFoundException') return []
      throw error
    }
  }

  it('streams stdout lines to moto while the command runs, and stderr to its own stream', async () => {
    const {host, instanceId} = hosts['web-b']
    // The script holds until the test has seen its first line in CloudWatch: it is still running then.
    const go = path.join(host.root, 'tmp', 'stream.go')
    const sent = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Parameters: {
          commands: ['echo "::upsc step build start"', `until [ -e "${go}" ]; do sleep 0.05; done`, 'echo "::upsc step build ok 2.5s"', 'echo oops >&2'],
        },
        CloudWatchOutputConfig: {CloudWatchOutputEnabled: true},
      }),
    )
    const commandId = /** @type {string} */ (sent.Command?.CommandId)
    const group = '/aws/ssm/AWS-RunShellScript'
    const prefix = `${commandId}/${instanceId}/aws-runShellScript`

    const early = await waitFor(
      async () => {
        const seen = await messages(group, `${prefix}/stdout`)
        return seen.length > 0 && seen
      },
      {timeoutMs: 20_000, what: 'the first stdout line in CloudWatch'},
    )
    expect(early).toEqual(['::upsc step build start'])
    const during = await ssm.send(new GetCommandInvocationCommand({CommandId: commandId, InstanceId: instanceId}))
    expect(during.Status).toBe('InProgress')
    fs.writeFileSync(go, '')

    const {result} = await waitForInvocation(ssm, ssmSdk, commandId, instanceId)
    expect(result.Status).toBe('Success')
    expect(result.CloudWatchOutputConfig).toEqual({CloudWatchOutputEnabled: true, CloudWatchLogGroupName: group})
    expect(await messages(group, `${prefix}/stdout`)).toEqual(['::upsc step build start', '::upsc step build ok 2.5s'])
    expect(await messages(group, `${prefix}/stderr`)).toEqual(['oops'])
  })

  it('reports the invocation over only an upload interval after its last output reached CloudWatch, as the agent waits for the upload', async () => {
    const {instanceId} = hosts['web-b']
    const {commandId, result} = await runOn(instanceId, ['echo first', 'echo last'], {CloudWatchOutputConfig: {CloudWatchOutputEnabled: true}})
    expect(result.Status).toBe('Success')
    const stream = `${commandId}/${instanceId}/aws-runShellScript/stdout`
    const out = await logs.send(new GetLogEventsCommand({logGroupName: '/aws/ssm/AWS-RunShellScript', logStreamName: stream, startFromHead: true}))
    expect(out.events?.map((e) => e.message)).toEqual(['first', 'last'])
    const lastOutput = Math.max(...(out.events ?? []).map((e) => e.timestamp ?? 0))
    expect(Date.parse(/** @type {string} */ (result.ExecutionEndDateTime)) - lastOutput).toBeGreaterThanOrEqual(200)
  })

  it('uses the configured log group', async () => {
    const {instanceId} = hosts['web-b']
    const {commandId, result} = await runOn(instanceId, ['echo to-custom-group'], {
      CloudWatchOutputConfig: {CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/upsc/deploys'},
    })
    expect(result.Status).toBe('Success')
    expect(await messages('/upsc/deploys', `${commandId}/${instanceId}/aws-runShellScript/stdout`)).toEqual(['to-custom-group'])
  })

  it('sends nothing when CloudWatch output is off', async () => {
    const {instanceId} = hosts['web-b']
    const {commandId} = await runOn(instanceId, ['echo local-only'])
    expect(await messages('/aws/ssm/AWS-RunShellScript', `${commandId}/${instanceId}/aws-runShellScript/stdout`)).toEqual([])
    expect(sandbox.problems()).toEqual([])
  })
})

describe('fleet: Targets, MaxConcurrency, MaxErrors, CancelCommand', {timeout: 30_000}, () => {
  /** @param {Partial<import('@aws-sdk/client-ssm').SendCommandCommandInput>} input */
  async function sendToWeb(input) {
    const sent = await ssm.send(
      new SendCommandCommand({DocumentName: 'AWS-RunShellScript', Targets: [{Key: 'tag:Role', Values: ['web']}], Parameters: {commands: ['true']}, ...input}),
    )
    const commandId = /** @type {string} */ (sent.Command?.CommandId)
    await sandbox.waitForCommand(commandId)
    const listed = await ssm.send(new ListCommandInvocationsCommand({CommandId: commandId, Details: true}))
    return {commandId, invocations: listed.CommandInvocations ?? []}
  }

  /** Execution window of each invocation. @param {string} commandId */
  async function windows(commandId) {
    const ids = [hosts['web-a'].instanceId, hosts['web-b'].instanceId]
    // A fast command can end inside the InvocationDoesNotExist window: ask again, as a real client must.
    const get = async (/** @type {string} */ InstanceId) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ssm.send(new GetCommandInvocationCommand({CommandId: commandId, InstanceId}))
        } catch (error) {
          if (/** @type {Error} */ (error).name !== 'InvocationDoesNotExist' || attempt >= 50) throw error
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }
    }
    const results = await Promise.all(ids.map(get))
    return results
      .map((r) => ({start: Date.parse(/** @type {string} */ (r.ExecutionStartDateTime)), end: Date.parse(/** @type {string} */ (r.ExecutionEndDateTime))}))
      .sort((a, b) => a.start - b.start)
  }

  it('resolves Targets by tag through moto EC2', async () => {
    const {invocations} = await sendToWeb({Parameters: {commands: ['echo "$SANDBOX_HOST_NAME"']}})
    expect(invocations.map((inv) => inv.InstanceId).sort()).toEqual([hosts['web-a'].instanceId, hosts['web-b'].instanceId].sort())
    expect(invocations.map((inv) => inv.CommandPlugins?.[0].Output?.trim()).sort()).toEqual(['web-a', 'web-b'])

    const byName = await ssm.send(
      new SendCommandCommand({DocumentName: 'AWS-RunShellScript', Targets: [{Key: 'tag:Name', Values: ['jobs']}], Parameters: {commands: ['true']}}),
    )
    const listed = await ssm.send(new ListCommandInvocationsCommand({CommandId: byName.Command?.CommandId}))
    expect(listed.CommandInvocations?.map((inv) => inv.InstanceId)).toEqual([hosts.jobs.instanceId])
  })

  it('marks an offline target Undeliverable and runs the others', async () => {
    sandbox.updateInstance(hosts['web-b'].instanceId, {pingStatus: 'ConnectionLost'})
    try {
      const {invocations} = await sendToWeb({})
      const byId = Object.fromEntries(invocations.map((inv) => [inv.InstanceId, inv]))
      expect(byId[hosts['web-a'].instanceId]).toMatchObject({Status: 'Success'})
      expect(byId[hosts['web-b'].instanceId]).toMatchObject({Status: 'Failed', StatusDetails: 'Undeliverable'})
    } finally {
      sandbox.updateInstance(hosts['web-b'].instanceId, {pingStatus: 'Online'})
    }
  })

  it('runs one host at a time with MaxConcurrency 1, both at once with 2', async () => {
    const serial = await sendToWeb({MaxConcurrency: '1', Parameters: {commands: ['sleep 0.6']}})
    const [first, second] = await windows(serial.commandId)
    expect(second.start, `serial windows ${JSON.stringify([first, second])}`).toBeGreaterThanOrEqual(first.end)

    // Each host checks in and waits (15 s at most) for the other: only a run of both at once succeeds.
    const meet = fs.mkdtempSync(path.join(temp.dir, 'meet-'))
    const rendezvous = [`touch "${meet}/$SANDBOX_HOST_NAME"`, `for _ in $(seq 300); do [ "$(ls "${meet}" | wc -l)" -ge 2 ] && exit 0; sleep 0.05; done; exit 1`]
    const parallel = await sendToWeb({MaxConcurrency: '2', Parameters: {commands: rendezvous}})
    expect(parallel.invocations.map((inv) => `${inv.Status}: ${inv.CommandPlugins?.[0].Output ?? ''}`)).toEqual(['Success: ', 'Success: '])
    const [a, b] = await windows(parallel.commandId)
    expect(b.start, `parallel windows ${JSON.stringify([a, b])}`).toBeLessThan(a.end)
  })

  it('stops sending once errors exceed MaxErrors', async () => {
    const {commandId, invocations} = await sendToWeb({MaxConcurrency: '1', MaxErrors: '0', Parameters: {commands: ['exit 1']}})
    const statuses = invocations.map((inv) => `${inv.Status}/${inv.StatusDetails}`).sort()
    expect(statuses).toEqual(['Cancelled/Terminated', 'Failed/Failed'])
    const listed = await ssm.send(new ListCommandsCommand({CommandId: commandId}))
    expect(listed.Commands?.[0]).toMatchObject({Status: 'Failed', TargetCount: 2, ErrorCount: 1, MaxErrors: '0', MaxConcurrency: '1'})
  })

  it('CancelCommand kills the running script and reports Cancelled', async () => {
    const {host, instanceId} = hosts.jobs
    const pidFile = path.join(host.root, 'tmp', 'cancel.pid')
    const sent = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: [instanceId],
        Parameters: {commands: [`trap 'echo trapped > "${pidFile}.trapped"' TERM INT HUP EXIT`, `sleep 30 & echo $! > "${pidFile}"`, 'wait']},
      }),
    )
    const CommandId = /** @type {string} */ (sent.Command?.CommandId)
    await waitFor(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'), {timeoutMs: 20_000, what: 'the script to start'})
    const pid = Number(fs.readFileSync(pidFile, 'utf8'))
    expect(pidAlive(pid)).toBe(true)

    await ssm.send(new CancelCommandCommand({CommandId}))
    const {result} = await waitForInvocation(ssm, ssmSdk, CommandId, instanceId)
    expect(result).toMatchObject({Status: 'Cancelled', StatusDetails: 'Cancelled'})
    expect(pidAlive(pid)).toBe(false)
    // SIGKILL: no trap of the script ran.
    expect(fs.existsSync(`${pidFile}.trapped`)).toBe(false)
    const listed = await ssm.send(new ListCommandsCommand({CommandId}))
    expect(listed.Commands?.[0].Status).toBe('Cancelled')
    expect(await errorName(ssm.send(new CancelCommandCommand({CommandId: '11111111-1111-1111-1111-111111111111'})))).toBe('InvalidCommandId')
  })
})

describe('instances, sessions, forwarding, counters', {timeout: 30_000}, () => {
  it('describes managed instances from its registry', async () => {
    const {instanceId} = hosts.jobs
    const result = await ssm.send(new DescribeInstanceInformationCommand({Filters: [{Key: 'InstanceIds', Values: [instanceId]}]}))
    expect(result.InstanceInformationList).toHaveLength(1)
    expect(result.InstanceInformationList?.[0]).toMatchObject({
      InstanceId: instanceId,
      PingStatus: 'Online',
      PlatformType: 'Linux',
      ResourceType: 'EC2Instance',
      ComputerName: 'jobs',
      IsLatestVersion: true,
    })
    expect(result.InstanceInformationList?.[0].LastPingDateTime).toBeInstanceOf(Date)

    sandbox.updateInstance(instanceId, {pingStatus: 'ConnectionLost'})
    const lost = await ssm.send(new DescribeInstanceInformationCommand({InstanceInformationFilterList: [{key: 'InstanceIds', valueSet: [instanceId]}]}))
    expect(lost.InstanceInformationList?.[0].PingStatus).toBe('ConnectionLost')
    sandbox.updateInstance(instanceId, {pingStatus: 'Online'})
  })

  it('pages DescribeInstanceInformation with MaxResults and NextToken', async () => {
    for (let i = 0; i < 4; i++) sandbox.registerInstance({instanceId: `i-extra${i}`, host: hosts.jobs.host})
    const first = await ssm.send(new DescribeInstanceInformationCommand({MaxResults: 5}))
    expect(first.InstanceInformationList).toHaveLength(5)
    expect(first.NextToken).toBeTruthy()
    const second = await ssm.send(new DescribeInstanceInformationCommand({MaxResults: 5, NextToken: first.NextToken}))
    expect(second.InstanceInformationList).toHaveLength(2)
    expect(second.NextToken).toBeUndefined()
    for (let i = 0; i < 4; i++) sandbox.unregisterInstance(`i-extra${i}`)
  })

  it('starts and terminates Session Manager sessions, and records them', async () => {
    const {instanceId} = hosts['web-a']
    const started = await ssm.send(new StartSessionCommand({Target: instanceId, Reason: 'debug'}))
    expect(started.SessionId).toBeTruthy()
    expect(started.TokenValue).toBeTruthy()
    expect(started.StreamUrl).toMatch(/^wss:\/\/ssmmessages\.eu-central-1\.amazonaws\.com\/v1\/data-channel\//)

    const open = await (await fetch(`${sandbox.url}/_sandbox/sessions`)).json()
    expect(open.find((/** @type {any} */ s) => s.SessionId === started.SessionId)).toMatchObject({Target: instanceId, Status: 'Connected', Reason: 'debug'})

    const ended = await ssm.send(new TerminateSessionCommand({SessionId: started.SessionId}))
    expect(ended.SessionId).toBe(started.SessionId)
    expect(sandbox.sessions().find((s) => s.SessionId === started.SessionId)?.Status).toBe('Terminated')

    expect(await errorName(ssm.send(new StartSessionCommand({Target: 'i-0000000000000000f'})))).toBe('TargetNotConnected')
  })

  it('forwards other actions to moto: Parameter Store SecureString round trip', async () => {
    sandbox.resetCounts()
    await ssm.send(new PutParameterCommand({Name: '/upsc/stage2/github-token', Value: 'ghp_secret', Type: 'SecureString'}))
    const plain = await ssm.send(new GetParameterCommand({Name: '/upsc/stage2/github-token', WithDecryption: true}))
    expect(plain.Parameter).toMatchObject({Value: 'ghp_secret', Type: 'SecureString'})
    const hidden = await ssm.send(new GetParameterCommand({Name: '/upsc/stage2/github-token'}))
    expect(hidden.Parameter?.Value).not.toBe('ghp_secret')
    expect(await errorName(ssm.send(new GetParameterCommand({Name: '/nope'})))).toBe('ParameterNotFound')
    expect(sandbox.requestCounts()).toEqual({PutParameter: 1, GetParameter: 3})
  })

  it('exposes counts and registration over its control API', async () => {
    sandbox.resetCounts()
    await ssm.send(new ListCommandsCommand({}))
    const counts = await (await fetch(`${sandbox.url}/_sandbox/counts`)).json()
    expect(counts).toEqual({ListCommands: 1})

    const register = await fetch(`${sandbox.url}/_sandbox/instances`, {
      method: 'POST',
      body: JSON.stringify({instanceId: 'i-fromcontrolapi', host: {root: hosts.jobs.host.root, env: hosts.jobs.host.env}, pingStatus: 'Inactive'}),
    })
    expect(register.status).toBe(201)
    const described = await ssm.send(new DescribeInstanceInformationCommand({Filters: [{Key: 'InstanceIds', Values: ['i-fromcontrolapi']}]}))
    expect(described.InstanceInformationList?.[0].PingStatus).toBe('Inactive')
    const patched = await fetch(`${sandbox.url}/_sandbox/instances/i-fromcontrolapi`, {method: 'PATCH', body: JSON.stringify({pingStatus: 'Online'})})
    expect(patched.status).toBe(200)
    const again = await ssm.send(new DescribeInstanceInformationCommand({Filters: [{Key: 'InstanceIds', Values: ['i-fromcontrolapi']}]}))
    expect(again.InstanceInformationList?.[0].PingStatus).toBe('Online')
    sandbox.unregisterInstance('i-fromcontrolapi')
  })

  it('answers injected faults instead of the real thing: AWS errors for N requests (after M), or a dropped connection', async () => {
    const once = new SSMClient({...sdkConfig(sandbox.url), maxAttempts: 1})
    sandbox.injectFault({action: 'ListCommands', error: 'ThrottlingException', count: 2, after: 1})
    expect(await errorName(once.send(new ListCommandsCommand({})))).toBe('no error')
    expect(await errorName(once.send(new ListCommandsCommand({})))).toBe('ThrottlingException')
    expect(await errorName(once.send(new ListCommandsCommand({})))).toBe('ThrottlingException')
    expect(await errorName(once.send(new ListCommandsCommand({})))).toBe('no error')
    await fetch(`${sandbox.url}/_sandbox/faults`, {method: 'POST', body: JSON.stringify({action: 'ListCommands', error: 'ExpiredTokenException', count: 1})})
    expect(await errorName(once.send(new ListCommandsCommand({})))).toBe('ExpiredTokenException')
    sandbox.injectFault({action: 'ListCommands', error: 'reset'})
    const reset = await once.send(new ListCommandsCommand({})).catch((/** @type {any} */ e) => e)
    expect(`${reset.code} ${reset.message}`).toMatch(/ECONNRESET|socket hang up/)
    sandbox.injectFault({action: 'ListCommands', error: 'ThrottlingException', count: 5})
    await fetch(`${sandbox.url}/_sandbox/faults`, {method: 'DELETE'})
    expect(sandbox.pendingFaults()).toEqual([])
    expect(await errorName(once.send(new ListCommandsCommand({})))).toBe('no error')
    once.destroy()
  })
})
