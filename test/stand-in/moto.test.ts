import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DescribeInstancesCommand, EC2Client, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {startMoto} from '../../tools/stand-in/moto.js'
import {portOpen} from '../../tools/stand-in/util.js'
import {pidAlive, sdkConfig} from './helpers.ts'

describe('startMoto', {timeout: 30_000}, () => {
  /** @type {Awaited<ReturnType<typeof startMoto>>} */
  let moto
  beforeAll(async () => {
    moto = await startMoto()
  }, 30_000)
  afterAll(() => moto?.stop())

  it('serves the moto API on a loopback port it picked', async () => {
    expect(moto.url).toBe(`http://127.0.0.1:${moto.port}`)
    const response = await fetch(`${moto.url}/moto-api/`)
    expect(response.status).toBe(200)
  })

  it('serves EC2, and reset() wipes what was created', async () => {
    const ec2 = new EC2Client(sdkConfig(moto.url))
    await ec2.send(new RunInstancesCommand({ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1}))
    const before = await ec2.send(new DescribeInstancesCommand({}))
    expect(before.Reservations?.length).toBe(1)

    await moto.reset()

    const after = await ec2.send(new DescribeInstancesCommand({}))
    expect(after.Reservations ?? []).toHaveLength(0)
    ec2.destroy()
  })

  it('stop() kills the server and frees its port', async () => {
    const other = await startMoto()
    expect(pidAlive(other.pid)).toBe(true)
    await other.stop()
    expect(pidAlive(other.pid)).toBe(false)
    expect(await portOpen(other.port)).toBe(false)
    // Stopping twice is harmless.
    await other.stop()
  })
})
