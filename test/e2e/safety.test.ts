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
import {startStandIn} from '../../tools/stand-in/stand-in.js'
import {jsonDocument, runCli, sandboxStage, writeConfig} from './harness.js'

type StandIn = Awaited<ReturnType<typeof startStandIn>>

const TOKEN = 'ghp_SafetyE2e0Token0123456789abcdefABCD'

describe('deploy safety through the CLI', {timeout: 240_000}, () => {
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
    expect(
      h.steps.find((s: {name: string}) => s.name === 'token'),
      stdout,
    ).toMatchObject({status: 'ok'})
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
  it('shows 40 of 5,000 records and rolls back behind them (the host picks the target, pages stay small)', async () => {
    const file = join(host.upscHome, 'deployments.jsonl')
    const real = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
    const running = JSON.parse(readFileSync(join(host.upscHome, 'current.json'), 'utf8')).commit
    const expected = real.reverse().find((r) => r.outcome === 'succeeded' && r.commit !== running)
    const generated = Array.from({length: 5000}, (_, i) =>
      JSON.stringify({
        id: `gen-${String(i).padStart(5, '0')}`,
        kind: 'deploy',
        branch: 'feature/generated-load',
        commit: 'f'.repeat(40),
        previousCommit: running,
        startedAt: '2026-11-30T00:00:00Z',
        finishedAt: '2026-11-30T00:01:00Z',
        durationSeconds: 61.2,
        steps: {lock: 0.0, docker: 0.1, fetch: 1.2, checkout: 0.3, build: 55.1, tag: 0.2, up: 2.1, health: 2.0},
        outcome: 'failed',
        failedStep: 'health',
        reason: 'health checks failed after 120s: api: status 500, expected 200',
        rolledBackTo: null,
        auto: false,
        rebuilt: false,
        caller: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformEngineerAccess_0123456789abcdef/jane.doe@example.com',
        commandId: '0b6c7a8e-1234-4f00-9abc-0123456789ab',
        toolVersion: '0.1.0',
        hostname: 'ip-10-0-1-10',
        schema: 1,
      }),
    )
    writeFileSync(file, `${readFileSync(file, 'utf8')}${generated.join('\n')}\n`)

    const history = await cli(['history', '--limit', '40', '--json'])
    expect(history.code, history.stderr).toBe(0)
    const shown = JSON.parse(history.stdout)
    expect(shown.records.map((r: {id: string}) => r.id)).toEqual(Array.from({length: 40}, (_, i) => `gen-${String(4999 - i).padStart(5, '0')}`))
    expect(shown.hosts[0].total).toBe(5000 + real.length)

    const rollback = await cli(['rollback', '--yes', '--json'])
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0)
    const result = jsonDocument('rollback', rollback.stdout)
    expect(result.plans[0]).toMatchObject({fromCommit: running, to: {id: expected.id, commit: expected.commit}})
    expect(result.hosts[0].result).toMatchObject({targetId: expected.id, commit: expected.commit})
  })
})
