/**
 * Deploy safety through the built CLI, against a stand-in that behaves as AWS does: the host's
 * region, the operator's untracked files, the Run Command id in the host's records, and a history
 * of thousands of records.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {PutParameterCommand, SSMClient} from '@aws-sdk/client-ssm'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

// @ts-expect-error plain JS rig
import {startStandIn} from '../rig/stand-in.js'
import {runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

const TOKEN = 'ghp_SafetyE2e0Token0123456789abcdefABCD'

describe('deploy safety through the CLI', () => {
  let standIn: StandIn
  let cwd: string
  let host: StandIn['hosts'][number]['host']
  const cli = (args: string[], timeoutMs = 120_000) => runCli(args, {cwd, env: standIn.env, timeoutMs})

  beforeAll(async () => {
    standIn = await startStandIn({hosts: [{name: 'upscpro-stage2-docker', requiredToken: TOKEN}]})
    host = standIn.hosts[0].host
    cwd = writeConfig({stage2: sandboxStage({githubTokenParameter: '/upscpro/stage2/github-token'})})
    const ssm = new SSMClient({region: standIn.region, endpoint: standIn.motoUrl, credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'}})
    await ssm.send(new PutParameterCommand({Name: '/upscpro/stage2/github-token', Type: 'SecureString', Value: TOKEN}))
    ssm.destroy()
  })
  afterAll(async () => standIn?.stop())

  it('reads the token on a host that has no AWS_REGION (the region travels as a setting)', async () => {
    const {code, stdout} = await cli(['deploy', '--branch', 'main', '--json'])
    const [h] = JSON.parse(stdout).hosts
    expect(h.steps.find((s: {name: string}) => s.name === 'token'), stdout).toMatchObject({status: 'ok'})
    expect(code).toBe(0)
  })
  it('keeps an untracked .env that .gitignore does not list through deploy, auto-rollback and rollback, and says it may change the build', async () => {
    const env = join(host.appDir, '.env')
    writeFileSync(env, 'APP_SECRET=operator-made\n')
    const kept = () => existsSync(env) && readFileSync(env, 'utf8') === 'APP_SECRET=operator-made\n'

    const deploy = await cli(['deploy', '--branch', 'feature-x'])
    expect(deploy.code, deploy.stdout).toBe(0)
    expect(kept()).toBe(true)
    expect(deploy.stdout).toMatch(/1 untracked file\(s\) in \S+ not listed in \.gitignore may change the build: \.env/)

    const bad = await cli(['deploy', '--branch', 'bad-health', '--json'])
    expect(bad.code).toBe(5)
    expect(kept()).toBe(true)

    const rollback = await cli(['rollback', '--yes'])
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0)
    expect(kept()).toBe(true)

    const status = await cli(['status', '--json'])
    const checks = JSON.parse(status.stdout).instances[0].checks
    expect(checks.find((c: {id: string}) => c.id === 'repo.untracked')).toMatchObject({verdict: 'warn'})
    expect(checks.find((c: {id: string}) => c.id === 'repo.untracked').detail).toContain('.env')
  })
  it('records the Run Command id in lock.json while it runs, and in every history record', async () => {
    const sent = await cli(['deploy', '--branch', 'slow-build', '--detach', '--json'])
    const {commandId} = JSON.parse(sent.stdout)
    expect(commandId).toMatch(/^[0-9a-f-]{36}$/)
    const lockFile = join(host.upscHome, 'lock.json')
    let lock = ''
    for (let i = 0; i < 400 && !lock.includes('"branch"'); i++) {
      lock = existsSync(lockFile) ? readFileSync(lockFile, 'utf8') : ''
      if (!lock.includes('"branch"')) await new Promise((r) => setTimeout(r, 50))
    }
    expect(JSON.parse(lock)).toMatchObject({commandId, branch: 'slow-build'})
    await standIn.sandbox.waitForCommand(commandId)

    const rollback = await cli(['rollback', '--yes', '--json'])
    const rollbackId = JSON.parse(rollback.stdout).commandIds[0]
    const history = JSON.parse((await cli(['history', '--json', '--limit', '2'])).stdout)
    expect(history.records.map((r: {kind: string; commandId: string}) => [r.kind, r.commandId])).toEqual([
      ['rollback', rollbackId],
      ['deploy', commandId],
    ])
  })
})
