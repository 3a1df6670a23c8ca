import {CancelCommandCommand, GetCommandInvocationCommand, SendCommandCommand, SSMClient} from '@aws-sdk/client-ssm'
import {mockClient} from 'aws-sdk-client-mock'
import {beforeEach, describe, expect, it} from 'vitest'

import type {AwsClients} from '../../src/aws/clients.js'
import {describeOutcome} from '../../src/outcome/invocation.js'
import {cancelThenFollow, followRemote, sendAndFollow} from '../../src/engine/follow.js'
import {runRemote} from '../../src/engine/remote-run.js'
import {buildPayload} from '../../src/remote/payload.js'

const ssmMock = mockClient(SSMClient)
const credentials = {accessKeyId: 'a', secretAccessKey: 'b'}
const ssm = new SSMClient({region: 'eu-central-1', credentials})
const clients = {ssm: async () => ssm} as unknown as AwsClients

const awsError = (name: string, message = name) => Object.assign(new Error(message), {name, $metadata: {}})
const COMMAND = '0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11'
const request = {instanceIds: ['i-1', 'i-2'], commands: ['true'], comment: 'upsc status stage2', executionTimeoutSeconds: 60, deliveryTimeoutSeconds: 30}

beforeEach(() => ssmMock.reset())

describe('followRemote: the one poll loop', () => {
  it('survives InvocationDoesNotExist right after sending, then follows to the end', async () => {
    ssmMock
      .on(GetCommandInvocationCommand)
      .rejectsOnce(awsError('InvocationDoesNotExist'))
      .resolvesOnce({Status: 'InProgress'})
      .resolves({Status: 'Success', ResponseCode: 0, StandardOutputContent: 'done\n'})
    const {runs} = await followRemote(clients, COMMAND, ['i-1'], undefined)
    expect(runs[0]!.invocation).toMatchObject({
      instanceId: 'i-1',
      status: 'Success',
      outcome: 'succeeded',
      responseCode: 0,
      stdout: 'done\n',
      stdoutTruncated: false,
    })
    expect(runs[0]!.report.log).toEqual(['done'])
    expect(ssmMock.commandCalls(GetCommandInvocationCommand)).toHaveLength(3)
  })

  it('reports Undeliverable as unreachable', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Undeliverable', ResponseCode: -1})
    const {runs} = await followRemote(clients, COMMAND, ['i-1'], undefined)
    expect(runs[0]!.invocation.outcome).toBe('undeliverable')
    expect(describeOutcome(runs[0]!.invocation.outcome, runs[0]!.invocation.responseCode).exitCode).toBe(4)
  })

  it('flags output cut at 24,000 characters', async () => {
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Success', ResponseCode: 0, StandardOutputContent: 'x'.repeat(24_000)})
    const {runs} = await followRemote(clients, COMMAND, ['i-1'], undefined)
    expect(runs[0]!.invocation.stdoutTruncated).toBe(true)
  })

  it('stops following when aborted and reports the command as still running (detached)', async () => {
    const controller = new AbortController()
    let polls = 0
    ssmMock.on(GetCommandInvocationCommand).callsFake(() => {
      if (++polls === 2) controller.abort()
      return {Status: 'InProgress'}
    })
    const run = await followRemote(clients, COMMAND, ['i-1'], undefined, {}, controller.signal)
    expect(polls).toBeGreaterThanOrEqual(2)
    expect(run.detached).toBe(true)
    expect(run.runs[0]!.invocation.outcome).toBe('running')
  })
})

describe('sendAndFollow: instances SSM refuses', () => {
  it('without sendableOf, the refusal is the error (exit 4, what to check)', async () => {
    ssmMock.on(SendCommandCommand).rejects(awsError('InvalidInstanceId', 'Instances not in a valid state'))
    await expect(sendAndFollow(clients, request, request.instanceIds, {events: {}}, {})).rejects.toMatchObject({code: 'not-managed', exitCode: 4})
  })

  it('with sendableOf, sends again to the ones it keeps; the others come back undeliverable, never sent', async () => {
    ssmMock
      .on(SendCommandCommand)
      .rejectsOnce(awsError('InvalidInstanceId', 'Instances not in a valid state'))
      .resolves({Command: {CommandId: COMMAND}})
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Success', ResponseCode: 0, StandardOutputContent: '::upsc result {"ok":true}\n'})
    const asked: string[][] = []
    const run = await sendAndFollow(
      clients,
      {...request, sendableOf: async (ids) => (asked.push(ids), ids.filter((id) => id === 'i-2'))},
      request.instanceIds,
      {events: {}},
      {},
    )
    expect(asked).toEqual([['i-1', 'i-2']])
    expect(ssmMock.commandCalls(SendCommandCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([['i-1', 'i-2'], ['i-2']])
    expect(run.runs.map((r) => [r.instanceId, r.commandId, r.invocation.outcome])).toEqual([
      ['i-1', '', 'undeliverable'],
      ['i-2', COMMAND, 'succeeded'],
    ])
    expect(run.runs[1]!.report.result).toEqual({ok: true})
  })

  it('nothing sendable: nothing is sent again, every instance comes back undeliverable', async () => {
    ssmMock.on(SendCommandCommand).rejects(awsError('InvalidInstanceId'))
    const run = await runRemote(clients, {...request, commands: buildPayload('probe', {}), sendableOf: async () => []})
    expect(ssmMock.commandCalls(SendCommandCommand)).toHaveLength(1)
    expect(run.commandIds).toEqual([])
    expect(run.runs.map((r) => r.invocation.outcome)).toEqual(['undeliverable', 'undeliverable'])
  })
})

describe('cancelThenFollow', () => {
  it('cancels on the given instances only, then reads how every instance ended', async () => {
    ssmMock.on(CancelCommandCommand).resolves({})
    ssmMock.on(GetCommandInvocationCommand, {InstanceId: 'i-1'}).resolves({Status: 'Cancelled', ResponseCode: -1})
    ssmMock.on(GetCommandInvocationCommand, {InstanceId: 'i-2'}).resolves({Status: 'Success', ResponseCode: 0})
    const run = await cancelThenFollow(clients, COMMAND, ['i-1', 'i-2'], ['i-1'])
    expect(ssmMock.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([{CommandId: COMMAND, InstanceIds: ['i-1']}])
    expect(run.runs.map((r) => r.invocation.outcome)).toEqual(['cancelled', 'succeeded'])
  })

  it("'all' cancels the whole command; an empty list cancels nothing and just follows", async () => {
    ssmMock.on(CancelCommandCommand).resolves({})
    ssmMock.on(GetCommandInvocationCommand).resolves({Status: 'Cancelled', ResponseCode: -1})
    await cancelThenFollow(clients, COMMAND, ['i-1'])
    await cancelThenFollow(clients, COMMAND, ['i-1'], [])
    expect(ssmMock.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([{CommandId: COMMAND}])
  })
})
