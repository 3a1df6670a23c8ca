// Pure renderers of history and rollback plans: exact output, colours off.
import chalk from 'chalk'
import {beforeAll, describe, expect, it} from 'vitest'

import type {DeploymentRecord} from '../../src/history/records.js'
import {renderHistory, renderRollbackPlan, shortCaller} from '../../src/render/history.js'

beforeAll(() => {
  chalk.level = 0
})

const deploy: DeploymentRecord = {
  id: 'd-20261201T101500-1a2b3c4d',
  kind: 'deploy',
  branch: 'main',
  commit: '3a4f2c1e9b8d7f6a5c4b3a2f1e0d9c8b7a6f5e4d',
  startedAt: '2026-12-01T10:15:00Z',
  durationSeconds: 75,
  outcome: 'succeeded',
  caller: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Deployers_0123456789abcdef/jane',
}
const failed: DeploymentRecord = {
  id: 'r-20261201T110000-5e6f7a8b',
  kind: 'rollback',
  auto: true,
  commit: null,
  startedAt: '2026-12-01T11:00:00Z',
  durationSeconds: 4.25,
  outcome: 'failed',
  failedStep: 'health',
  caller: 'arn:aws:iam::123456789012:user/ci',
  instanceId: 'i-0abc',
}

describe('shortCaller', () => {
  it('keeps what names a person: the role (without SSO decoration) and the session, or the IAM resource', () => {
    expect(shortCaller(deploy.caller)).toBe('Deployers/jane')
    expect(shortCaller('arn:aws:sts::123456789012:assumed-role/oncall/bob')).toBe('oncall/bob')
    expect(shortCaller('arn:aws:iam::123456789012:user/ci')).toBe('user/ci')
    expect(shortCaller(undefined)).toBe('-')
    expect(shortCaller('not-an-arn')).toBe('not-an-arn')
  })
})

describe('renderHistory', () => {
  it('says so when there is nothing', () => {
    expect(renderHistory([], {multiHost: false})).toBe('No deployments recorded yet.')
  })

  it('one row per record: when, short commit, who, kind (auto), outcome at the failed step, duration', () => {
    expect(
      renderHistory([deploy, failed], {multiHost: false})
        .split('\n')
        .map((l) => l.trimEnd()),
    ).toEqual([
      'When                 Id                          Who             Kind             Branch  Commit   Outcome           Duration',
      '2026-12-01 10:15:00  d-20261201T101500-1a2b3c4d  Deployers/jane  deploy           main    3a4f2c1  succeeded         1m 15s',
      '2026-12-01 11:00:00  r-20261201T110000-5e6f7a8b  user/ci         rollback (auto)  -       -        failed at health  4.3s',
    ])
  })

  it('adds an instance column for several hosts', () => {
    expect(
      renderHistory([failed], {multiHost: true})
        .split('\n')
        .map((l) => l.trimEnd()),
    ).toEqual([
      'When                 Instance  Id                          Who      Kind             Branch  Commit  Outcome           Duration',
      '2026-12-01 11:00:00  i-0abc    r-20261201T110000-5e6f7a8b  user/ci  rollback (auto)  -       -       failed at health  4.3s',
    ])
  })
})

describe('renderRollbackPlan', () => {
  it('one line per host: from branch @ commit -> to branch @ commit (deployment, when)', () => {
    expect(
      renderRollbackPlan([
        {instanceId: 'i-1', fromBranch: 'feature-x', fromCommit: 'ffffffffffffffff', to: {...deploy, finishedAt: '2026-12-01T10:16:15Z'}},
        {instanceId: 'i-2', to: deploy},
      ]),
    ).toBe(
      [
        `i-1: feature-x @ fffffff  ->  main @ 3a4f2c1 (deployment ${deploy.id}, 2026-12-01T10:16:15Z)`,
        `i-2: ? @ -  ->  main @ 3a4f2c1 (deployment ${deploy.id}, 2026-12-01T10:15:00Z)`,
      ].join('\n'),
    )
  })
})
