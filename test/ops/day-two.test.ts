import {describe, expect, it} from 'vitest'

import {preCommitHook} from '../../src/bootstrap/pre-commit.js'
import {validateConfig} from '../../src/config/schema.js'
import {type StageConfig, stageDefaults} from '../../src/config/load.js'
import {checkKeys, diffEnv, editEnv, parseAssignments, parseEnv} from '../../src/env/dotenv.js'
import {checkHold} from '../../src/ops/lock.js'
import {serviceProblems} from '../../src/ops/validate.js'
import {hookSettings} from '../../src/remote/settings.js'
import {renderEnv, renderEnvDiff} from '../../src/render/env.js'
import {fleetRow, renderStatusView} from '../../src/render/status.js'
import {renderValidate} from '../../src/render/validate.js'
import type {InstanceStatus, StatusResult} from '../../src/status/types.js'

const stage = (over: Partial<StageConfig> = {}): StageConfig => ({...stageDefaults('stage2'), name: 'stage2', instances: {tags: {Name: 'x'}}, ...over})

describe('checkHold', () => {
  it('takes a message, trimmed, and the TTL (checked as --ttl is parsed)', () => {
    expect(checkHold('  incident 42  ', 7200)).toEqual({message: 'incident 42', ttlSeconds: 7200})
    expect(checkHold('x')).toEqual({message: 'x'})
  })

  it('refuses an empty, multi-line or too long message (exit 2)', () => {
    for (const m of ['', '  ', 'a\nb', 'x'.repeat(501)]) expect(() => checkHold(m)).toThrow(expect.objectContaining({exitCode: 2, code: 'bad-lock-message'}))
  })
})

describe('serviceProblems', () => {
  it('names each health check whose service compose does not define', () => {
    const s = stage({
      healthChecks: [
        {name: 'api', service: 'api', port: 8000, expectStatus: 200},
        {name: 'web', service: 'web', port: 80, expectStatus: 200},
        {name: 'url', url: 'http://localhost/', expectStatus: 200},
      ],
    })
    expect(serviceProblems(s, ['api', 'worker'])).toEqual([
      {kind: 'health-check', message: 'health check "web" names service "web", which docker-compose.yml does not define (it defines: api, worker)'},
    ])
  })
})

describe('renderValidate', () => {
  it('says valid, or lists the problems', () => {
    process.env.NO_COLOR = '1'
    expect(renderValidate({stage: 's', dir: '/a', composeFile: '/a/c.yml', services: ['api'], problems: [], ok: true})).toBe(
      '✔ /a/c.yml is valid for stage s (services: api)',
    )
    expect(
      renderValidate({stage: 's', dir: '/a', composeFile: '/a/c.yml', services: [], problems: [{kind: 'compose', message: 'yaml: line 2: x'}], ok: false}),
    ).toBe('✖ docker compose config: yaml: line 2: x\n1 problem(s) in /a/c.yml for stage s: a deploy would stop at its config step.')
  })
})

describe('preCommitHook', () => {
  it('runs upsc validate for the stage and config, quoted', () => {
    const hook = preCommitHook(stage(), "/home/o'neil/upsc.config.json")
    expect(hook.startsWith('#!/bin/sh\n')).toBe(true)
    expect(hook.trimEnd().split('\n').at(-1)).toBe(`exec upsc validate --stage 'stage2' --config '/home/o'\\''neil/upsc.config.json'`)
  })
})

describe('hooks in the config', () => {
  const doc = (hooks: unknown) => ({stages: {stage2: {region: 'eu-central-1', hooks}}})

  it('accepts argv hooks with timeouts, and rollbackOnFailure on postDeploy only', () => {
    expect(
      validateConfig(
        doc({
          preBuild: [{command: ['cp', '.env', 'docker.env']}],
          postDeploy: [{command: ['bash', '-c', 'curl -fsS "$HOOK_URL"'], timeoutSeconds: 30, rollbackOnFailure: true}],
        }),
      ).ok,
    ).toBe(true)
    const bad = validateConfig(doc({preDeploy: [{command: 'alembic upgrade head'}, {command: []}, {command: ['x'], rollbackOnFailure: true}], later: []}))
    expect(bad.ok ? [] : bad.problems.map((p) => p.path)).toEqual([
      'stages.stage2.hooks.preDeploy[0].command',
      'stages.stage2.hooks.preDeploy[1].command',
      'stages.stage2.hooks.preDeploy[2].rollbackOnFailure',
      'stages.stage2.hooks.later',
    ])
  })

  it('travel as numbered settings, each word on its own', () => {
    const s = stage({
      hooks: {
        preDeploy: [{command: ['docker', 'compose', 'run', '--rm', 'api', 'alembic', 'upgrade', 'head'], timeoutSeconds: 600}],
        postDeploy: [{command: ['true'], rollbackOnFailure: true}],
      },
    })
    expect(hookSettings(s, false)).toEqual({
      UPSC_SKIP_HOOKS: undefined,
      UPSC_HOOK_PRE_DEPLOY_COUNT: 1,
      UPSC_HOOK_PRE_DEPLOY_1_ARGC: 8,
      UPSC_HOOK_PRE_DEPLOY_1_TIMEOUT: 600,
      UPSC_HOOK_PRE_DEPLOY_1_ROLLBACK: undefined,
      UPSC_HOOK_PRE_DEPLOY_1_1: 'docker',
      UPSC_HOOK_PRE_DEPLOY_1_2: 'compose',
      UPSC_HOOK_PRE_DEPLOY_1_3: 'run',
      UPSC_HOOK_PRE_DEPLOY_1_4: '--rm',
      UPSC_HOOK_PRE_DEPLOY_1_5: 'api',
      UPSC_HOOK_PRE_DEPLOY_1_6: 'alembic',
      UPSC_HOOK_PRE_DEPLOY_1_7: 'upgrade',
      UPSC_HOOK_PRE_DEPLOY_1_8: 'head',
      UPSC_HOOK_POST_DEPLOY_COUNT: 1,
      UPSC_HOOK_POST_DEPLOY_1_ARGC: 1,
      UPSC_HOOK_POST_DEPLOY_1_1: 'true',
      UPSC_HOOK_POST_DEPLOY_1_TIMEOUT: undefined,
      UPSC_HOOK_POST_DEPLOY_1_ROLLBACK: 1,
    })
    expect(hookSettings(stage(), true)).toEqual({UPSC_SKIP_HOOKS: 1})
  })
})

describe('dotenv', () => {
  const text = '# app settings\nDATABASE_URL=postgres://db/app\n\nexport LOG_LEVEL=info\nAPI_KEY="a b"\n'

  it('reads KEY=VALUE lines, skipping comments and blank lines', () => {
    expect(parseEnv(text)).toEqual([
      {key: 'DATABASE_URL', value: 'postgres://db/app'},
      {key: 'LOG_LEVEL', value: 'info'},
      {key: 'API_KEY', value: '"a b"'},
    ])
  })

  it('sets in place, appends new keys, unsets, and keeps every other line', () => {
    expect(
      editEnv(
        text,
        [
          {key: 'LOG_LEVEL', value: 'debug'},
          {key: 'NEW', value: 'x=y'},
        ],
        ['API_KEY'],
      ),
    ).toBe('# app settings\nDATABASE_URL=postgres://db/app\n\nLOG_LEVEL=debug\nNEW=x=y\n')
    expect(editEnv('', [{key: 'A', value: '1'}], [])).toBe('A=1\n')
    expect(editEnv('A=1\n', [], ['A'])).toBe('')
  })

  it('describes a change by key only, and renders it masked', () => {
    const changes = diffEnv(
      text,
      editEnv(
        text,
        [
          {key: 'LOG_LEVEL', value: 'debug'},
          {key: 'NEW', value: 's3cret'},
        ],
        ['API_KEY'],
      ),
    )
    expect(changes).toEqual([
      {key: 'LOG_LEVEL', change: 'changed'},
      {key: 'NEW', change: 'added'},
      {key: 'API_KEY', change: 'removed'},
    ])
    expect(renderEnvDiff('/p', changes)).toBe('/p:\n  ~ LOG_LEVEL=********  (changed)\n  + NEW=********  (added)\n  - API_KEY  (removed)')
    expect(renderEnv('/p', parseEnv(text), false)).toBe(
      '# /p (3 variable(s), values masked: --reveal shows them)\nDATABASE_URL=********\nLOG_LEVEL=********\nAPI_KEY=********',
    )
  })

  it('refuses assignments that are not KEY=VALUE on one line', () => {
    expect(parseAssignments(['A=1', 'B=', 'C=x=y'])).toEqual([
      {key: 'A', value: '1'},
      {key: 'B', value: ''},
      {key: 'C', value: 'x=y'},
    ])
    for (const bad of ['A', '1A=x', 'A-B=x', 'A=x\ny', '=x']) expect(() => parseAssignments([bad])).toThrow(expect.objectContaining({exitCode: 2}))
    expect(() => checkKeys(['OK', 'no-t'])).toThrow(expect.objectContaining({exitCode: 2}))
  })
})

describe('the fleet view of status', () => {
  const instance = (id: string, over: Partial<InstanceStatus> = {}): InstanceStatus => ({
    instanceId: id,
    name: 'web',
    verdict: 'ok',
    checks: [
      {id: 'service.api', label: 'Service api', verdict: 'ok', detail: 'running'},
      {id: 'health.api', label: 'Health api', verdict: 'ok', detail: 'HTTP 200'},
      {id: 'health.admin', label: 'Health admin', verdict: 'ok', detail: 'HTTP 200'},
    ],
    probe: {
      schema: 1,
      host: {diskFreeBytes: 12_300_000_000, diskFreePercent: 41.6},
      repo: {present: true, commit: '3a4f2c1b9e0d3a4f2c1b9e0d3a4f2c1b9e0d3a4f'},
      services: [
        {name: 'api', state: 'running', health: 'healthy'},
        {name: 'worker', state: 'running', health: null},
      ],
      lastDeployment: {outcome: 'succeeded', finishedAt: '2026-12-01T22:00:00Z'},
    },
    ...over,
  })
  const result = (instances: InstanceStatus[]): StatusResult => ({
    schema: 1,
    stage: 's',
    checkedAt: '2026-12-01T23:00:00Z',
    summary: {instances: instances.length, healthy: 1, warnings: 0, failing: 1, failed: []},
    instances,
  })

  it('one row per host: verdict, commit, services, health checks, last deploy, disk, failing checks by name', () => {
    process.env.NO_COLOR = '1'
    const bad = instance('i-2', {
      verdict: 'fail',
      checks: [
        {id: 'health.api', label: 'Health api', verdict: 'fail', detail: 'HTTP 500'},
        {id: 'health.admin', label: 'Health admin', verdict: 'ok', detail: 'HTTP 200'},
        {id: 'service.worker', label: 'Service worker', verdict: 'fail', detail: 'exited'},
      ],
      probe: {
        schema: 1,
        services: [
          {name: 'api', state: 'running', health: 'unhealthy'},
          {name: 'worker', state: 'exited'},
        ],
        repo: {present: true, commit: 'abcdef0123'},
      },
    })
    expect(fleetRow(instance('i-1'))).toEqual(['web (i-1)', '✔ ok', '3a4f2c1', '2/2', '2/2', 'succeeded 2026-12-01T22:00:00Z', '11 GiB 42% free', ''])
    expect(fleetRow(bad)).toEqual(['web (i-2)', '✖ fail', 'abcdef0', '0/2', '1/2', '', '', 'Health api, Service worker'])
    const text = renderStatusView(result([instance('i-1'), bad]), false)
    expect(text.split('\n')[1]).toMatch(/^Host\s+Verdict\s+Commit\s+Services\s+Health checks\s+Last deploy\s+Disk\s+Failing$/)
    expect(text.split('\n')).toHaveLength(5)
    expect(renderStatusView(result([instance('i-1'), bad]), true)).toContain('Service worker')
    expect(renderStatusView(result([instance('i-1')]), false)).toContain('Health admin')
  })
})
