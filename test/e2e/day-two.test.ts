import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../rig/stand-in.js'
import {runCli, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

describe('day-two operations through the CLI', () => {
  let standIn: StandIn
  let cwd: string
  let host: StandIn['hosts'][number]['host']
  const cli = (args: string[], timeoutMs = 120_000) => runCli(args, {cwd, env: standIn.env, timeoutMs})

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker'}]})
    host = standIn.hosts[0].host
    cwd = writeConfig()
  })
  afterAll(async () => standIn?.stop())

  it('lock acquire holds deploys: a second deploy refuses with the holder and the message (exit 6); release frees it', async () => {
    const acquired = await cli(['lock', 'acquire', '-m', 'incident 42: db failover', '--ttl', '2h', '--json'])
    expect(acquired.code, acquired.stderr).toBe(0)
    const hold = JSON.parse(acquired.stdout).hosts[0].hold
    expect(hold).toMatchObject({message: 'incident 42: db failover', caller: expect.stringMatching(/^arn:aws:/)})
    expect(Date.parse(hold.expiresAt) - Date.now()).toBeGreaterThan(7_000_000)

    const status = await cli(['lock', 'status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('on hold')
    expect(status.stdout).toContain('"incident 42: db failover"')

    const deploy = await cli(['deploy', '--branch', 'main'])
    expect(deploy.code).toBe(6)
    expect(deploy.stdout + deploy.stderr).toContain('deploys are held by')
    expect(deploy.stdout + deploy.stderr).toContain('incident 42: db failover')
    expect(host.buildCount()).toBe(0)
    const json = await cli(['deploy', '--branch', 'main', '--json'])
    expect(json.code).toBe(6)
    expect(JSON.parse(json.stdout).hosts[0].result.lock.message).toBe('incident 42: db failover')

    const again = await cli(['lock', 'acquire', '-m', 'second'])
    expect(again.code).toBe(6)

    const released = await cli(['lock', 'release', '--json'])
    expect(released.code).toBe(0)
    expect(JSON.parse(released.stdout).hosts[0]).toMatchObject({released: true, hold: null})
    const deployed = await cli(['deploy', '--branch', 'main'])
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0)
  })

  it('lock acquire refuses a bad --ttl or an empty message before any AWS call (exit 2)', async () => {
    for (const args of [['-m', 'x', '--ttl', 'soon'], ['-m', '  '], ['-m', 'x', '--ttl', '40d']]) {
      const {code, stderr} = await cli(['lock', 'acquire', ...args])
      expect(code, stderr).toBe(2)
    }
  })
})
