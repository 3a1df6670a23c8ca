import chalk from 'chalk'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {MAX_SUBJECT_LENGTH, notificationMessage, notificationSubject, shouldNotify} from '../../src/outcome/message.js'
import {metricData} from '../../src/outcome/metrics.js'
import {buildReport, logsCommand, type OperationReport, type ReportInput} from '../../src/outcome/announcement.js'
import {deployStats, minutesFrom} from '../../src/status/failure-rate.js'
import type {HostResult} from '../../src/outcome/host-result.js'
import {sendFailure} from '../../src/ops/announce.js'
import {renderDeployStats} from '../../src/render/status.js'

const COMMIT = '3a4f2c1b9e0d8c7b6a5f4e3d2c1b0a9f8e7d6c5b'
const PREVIOUS = '9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e'
const CMD = '0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11'
const I1 = 'i-0123456789abcdef0'
const I2 = 'i-0fedcba9876543210'
const AT = new Date('2026-11-28T18:12:30.250Z')
const CALLER = 'arn:aws:sts::123456789012:assumed-role/Deployer/alice'

function host(overrides: Partial<HostResult> & {result?: Record<string, unknown>} = {}): HostResult {
  return {
    instanceId: I1,
    name: 'upscpro-stage2-docker',
    outcome: 'succeeded',
    exitCode: 0,
    result: {
      outcome: 'succeeded',
      branch: 'feature-x',
      commit: COMMIT,
      steps: [
        {name: 'fetch', status: 'ok', seconds: 2.1},
        {name: 'build', status: 'ok', seconds: 35},
        {name: 'health', status: 'ok', seconds: 1.6},
      ],
      failedStep: null,
      reason: null,
      durationSeconds: 41.3,
    },
    steps: [],
    records: [{id: 'd-1', kind: 'deploy', startedAt: '2026-11-28T18:11:37Z'}],
    warnings: [],
    invocationStatus: 'Success',
    outputSource: 'cloudwatch',
    outputTruncated: false,
    ...overrides,
  }
}

const REASON = `health api answered HTTP 500, expected 200; rolled back to ${PREVIOUS.slice(0, 12)}, which is healthy`

const rolledBackHost = host({
  outcome: 'rolled-back',
  exitCode: 5,
  reason: REASON,
  advice: `${PREVIOUS.slice(0, 12)} serves again; fix and deploy again`,
  invocationStatus: 'Failed',
  result: {
    outcome: 'rolled-back',
    branch: 'feature-x',
    commit: COMMIT,
    steps: [
      {name: 'build', status: 'ok', seconds: 35},
      {name: 'health', status: 'fail', seconds: 10},
      {name: 'rollback-up', status: 'ok', seconds: 1.2},
    ],
    failedStep: 'health',
    reason: REASON,
    durationSeconds: 52.4,
  },
})

const deployInput = (hosts: HostResult[], overrides: Partial<ReportInput> = {}): ReportInput => ({
  kind: 'deploy',
  stage: 'stage2',
  runCommandLogGroup: '/aws/ssm/AWS-RunShellScript',
  caller: CALLER,
  exitCode: 5,
  hosts,
  commandIdOf: () => CMD,
  branch: 'feature-x',
  deployId: 'd-20261128T181137-1a2b3c4d',
  at: AT,
  ...overrides,
})

const rolledBack = buildReport(deployInput([rolledBackHost]))!

describe('buildReport', () => {
  it('sums up a rolled-back deploy: outcome, who, the failing step, and the logs command from the host start minus a minute', () => {
    expect(rolledBack).toEqual({
      kind: 'deploy',
      stage: 'stage2',
      outcome: 'rolled-back',
      exitCode: 5,
      branch: 'feature-x',
      commit: COMMIT,
      who: CALLER,
      deployId: 'd-20261128T181137-1a2b3c4d',
      commandIds: [CMD],
      at: '2026-11-28T18:12:30Z',
      durationSeconds: 52.4,
      hosts: [
        {
          instanceId: I1,
          name: 'upscpro-stage2-docker',
          outcome: 'rolled-back',
          branch: 'feature-x',
          commit: COMMIT,
          failedStep: 'health',
          reason: REASON,
          advice: '9f8e7d6c5b4a serves again; fix and deploy again',
          durationSeconds: 52.4,
          buildSeconds: 35,
          logsCommand: `upsc logs --stage stage2 --group /aws/ssm/AWS-RunShellScript --stream ${CMD}/${I1}/aws-runShellScript/stdout --since 2026-11-28T18:10:37Z`,
        },
      ],
    })
  })

  it('any failed host makes the attempt failed, even when another was rolled back', () => {
    const failed = host({instanceId: I2, outcome: 'failed', exitCode: 1, reason: 'build failed'})
    expect(buildReport(deployInput([rolledBackHost, failed]))?.outcome).toBe('failed')
    expect(buildReport(deployInput([host(), host({instanceId: I2})]))?.outcome).toBe('succeeded')
  })

  it('leaves out hosts that held no attempt (lock held, still running), and reports nothing when none is left', () => {
    const locked = host({instanceId: I2, outcome: 'lock-held', exitCode: 6})
    expect(buildReport(deployInput([rolledBackHost, locked]))?.hosts.map((h) => h.instanceId)).toEqual([I1])
    expect(buildReport(deployInput([locked, host({outcome: 'running', exitCode: 130})]))).toBeUndefined()
  })

  it('counts a build only when it finished, and works the start out from the duration when there is no record', () => {
    const failedBuild = host({
      outcome: 'failed',
      exitCode: 1,
      records: [],
      result: {branch: 'build-fails', steps: [{name: 'build', status: 'fail', seconds: 3}], failedStep: 'build', durationSeconds: 30},
    })
    const [h] = buildReport(deployInput([failedBuild]))!.hosts
    expect(h!.buildSeconds).toBeUndefined()
    // 18:12:30.250 - 30 s - 60 s, whole seconds
    expect(h!.logsCommand).toMatch(/--since 2026-11-28T18:11:00Z$/)
  })

  it("takes each host's own Run Command (a rollback sends one per target)", () => {
    const report = buildReport(deployInput([host(), host({instanceId: I2})], {kind: 'rollback', commandIdOf: (id) => (id === I1 ? 'c-1' : 'c-2')}))!
    expect(report.commandIds).toEqual(['c-1', 'c-2'])
    expect(report.hosts.map((h) => h.logsCommand?.split(' ')[7])).toEqual([`c-1/${I1}/aws-runShellScript/stdout`, `c-2/${I2}/aws-runShellScript/stdout`])
  })
})

describe('logsCommand', () => {
  it('quotes only words a shell would read otherwise', () => {
    expect(logsCommand('stage2', '#ops logs', 'c', 'i-1', Date.parse('2026-11-28T18:00:00.900Z'))).toBe(
      `upsc logs --stage stage2 --group '#ops logs' --stream c/i-1/aws-runShellScript/stdout --since 2026-11-28T18:00:00Z`,
    )
  })
})

describe('metricData', () => {
  const stage = [{Name: 'Stage', Value: 'stage2'}]
  const perHost = [...stage, {Name: 'InstanceId', Value: I1}]
  const count = (MetricName: string, Value: number, Dimensions = stage) => ({
    MetricName,
    Dimensions,
    Value,
    Unit: 'Count',
    Timestamp: new Date('2026-11-28T18:12:30Z'),
  })
  const secs = (MetricName: string, Value: number, Dimensions = stage) => ({
    MetricName,
    Dimensions,
    Value,
    Unit: 'Seconds',
    Timestamp: new Date('2026-11-28T18:12:30Z'),
  })

  it('a deploy: outcome counts (0 or 1) by stage and by host, durations by stage and by host', () => {
    expect(metricData(rolledBack)).toEqual([
      count('DeploySucceeded', 0),
      count('DeployFailed', 1),
      count('RolledBack', 1),
      count('DeploySucceeded', 0, perHost),
      count('DeployFailed', 1, perHost),
      count('RolledBack', 1, perHost),
      secs('DeployDuration', 52.4),
      secs('BuildDuration', 35),
      secs('DeployDuration', 52.4, perHost),
      secs('BuildDuration', 35, perHost),
    ])
  })

  it('a rollback: RolledBack only, 1 when it put the older version back', () => {
    const rollback = buildReport(deployInput([host()], {kind: 'rollback', exitCode: 0}))!
    expect(metricData(rollback)).toEqual([count('RolledBack', 1), count('RolledBack', 1, perHost)])
    const failed = buildReport(deployInput([host({outcome: 'failed', exitCode: 1})], {kind: 'rollback', exitCode: 1}))!
    expect(metricData(failed)).toEqual([count('RolledBack', 0), count('RolledBack', 0, perHost)])
  })
})

describe('shouldNotify', () => {
  const report = (kind: OperationReport['kind'], outcome: OperationReport['outcome']) => ({...rolledBack, kind, outcome})
  it('always for failures and rollbacks, for a successful deploy only with onSuccess', () => {
    expect(shouldNotify(report('deploy', 'failed'), false)).toBe(true)
    expect(shouldNotify(report('deploy', 'rolled-back'), false)).toBe(true)
    expect(shouldNotify(report('deploy', 'succeeded'), false)).toBe(false)
    expect(shouldNotify(report('deploy', 'succeeded'), true)).toBe(true)
    expect(shouldNotify(report('rollback', 'succeeded'), false)).toBe(true)
    expect(shouldNotify(report('rollback', 'failed'), false)).toBe(true)
  })
})

describe('notificationSubject', () => {
  const failedHost = (overrides: Partial<HostResult> = {}) =>
    host({
      outcome: 'failed',
      exitCode: 1,
      reason: 'the build failed',
      result: {branch: 'build-fails', commit: COMMIT, failedStep: 'build', durationSeconds: 12},
      ...overrides,
    })

  it('says what happened, on which stage, to which branch and commit', () => {
    expect(notificationSubject(rolledBack)).toBe('[upsc] stage2: deploy of feature-x @ 3a4f2c1 failed at health, rolled back')
    expect(notificationSubject(buildReport(deployInput([failedHost()], {branch: 'build-fails', exitCode: 1}))!)).toBe(
      '[upsc] stage2: deploy of build-fails @ 3a4f2c1 FAILED at build',
    )
    expect(notificationSubject(buildReport(deployInput([host()], {exitCode: 0}))!)).toBe('[upsc] stage2: deployed feature-x @ 3a4f2c1')
    expect(notificationSubject(buildReport(deployInput([host()], {kind: 'rollback', branch: undefined, exitCode: 0}))!)).toBe(
      '[upsc] stage2: rolled back to feature-x @ 3a4f2c1',
    )
    expect(notificationSubject(buildReport(deployInput([failedHost()], {kind: 'rollback', branch: undefined, exitCode: 1}))!)).toBe(
      '[upsc] stage2: rollback to build-fails @ 3a4f2c1 FAILED at build',
    )
  })

  it('names the share of hosts when only some failed, and copes with an unknown commit', () => {
    const noCommit = failedHost({instanceId: I2, result: {branch: 'feature-x', failedStep: 'fetch'}})
    expect(notificationSubject(buildReport(deployInput([host(), noCommit], {exitCode: 1}))!)).toBe(
      '[upsc] stage2: deploy of feature-x @ 3a4f2c1 FAILED at fetch on 1 of 2 hosts',
    )
    expect(notificationSubject(buildReport(deployInput([noCommit], {exitCode: 1}))!)).toBe('[upsc] stage2: deploy of feature-x FAILED at fetch')
  })

  it('keeps to 100 characters by shortening the branch, so that the outcome stays', () => {
    const branch = `feature/${'x'.repeat(120)}`
    const subject = notificationSubject({...rolledBack, branch})
    expect(subject).toHaveLength(MAX_SUBJECT_LENGTH)
    expect(subject).toBe(`[upsc] stage2: deploy of feature/${'x'.repeat(24)}... @ 3a4f2c1 failed at health, rolled back`)
    const longStage = notificationSubject({...rolledBack, stage: 's'.repeat(64), branch})
    expect(longStage).toHaveLength(MAX_SUBJECT_LENGTH)
    expect(longStage.endsWith('...')).toBe(true)
  })

  it('is printable ASCII on one line (SNS refuses anything else)', () => {
    expect(notificationSubject({...rolledBack, branch: 'fix/üml\taut'})).toBe('[upsc] stage2: deploy of fix/?ml?aut @ 3a4f2c1 failed at health, rolled back')
  })
})

describe('notificationMessage', () => {
  it('writes one fact per line: stage, branch, commit, who, outcome, duration, and per host the failing step, reason, next step and logs command', () => {
    expect(notificationMessage(rolledBack)).toBe(
      [
        'upsc deploy on stage2: ROLLED BACK (exit 5)',
        '',
        'Stage:     stage2',
        'Branch:    feature-x',
        `Commit:    ${COMMIT}`,
        `Who:       ${CALLER}`,
        'Outcome:   rolled back (the new version failed; the previous version serves again)',
        'Duration:  52s',
        'When:      2026-11-28T18:12:30Z',
        'Deploy id: d-20261128T181137-1a2b3c4d',
        `Command:   ${CMD}`,
        '',
        `Host upscpro-stage2-docker (${I1}): rolled-back`,
        '  Failed step: health',
        `  Reason:      ${REASON}`,
        '  Next:        9f8e7d6c5b4a serves again; fix and deploy again',
        '  Duration:    52s',
        `  Output:      upsc logs --stage stage2 --group /aws/ssm/AWS-RunShellScript --stream ${CMD}/${I1}/aws-runShellScript/stdout --since 2026-11-28T18:10:37Z`,
        '',
      ].join('\n'),
    )
  })

  it('for a success: no reason, and minutes for long durations; commits that differ per host are named', () => {
    const other = host({instanceId: I2, name: undefined, result: {branch: 'feature-x', commit: PREVIOUS, durationSeconds: 125}})
    const text = notificationMessage(buildReport(deployInput([host(), other], {exitCode: 0}))!)
    expect(text.split('\n').slice(0, 7)).toEqual([
      'upsc deploy on stage2: SUCCEEDED (exit 0)',
      '',
      'Stage:     stage2',
      'Branch:    feature-x',
      `Commit:    ${COMMIT}`,
      `Who:       ${CALLER}`,
      'Outcome:   succeeded',
    ])
    expect(text).toContain('\nDuration:  2m 5s (longest host)\n')
    expect(text).toContain(`\nHost ${I2}: succeeded\n  Commit:      ${PREVIOUS}\n  Duration:    2m 5s\n`)
    expect(text).not.toContain('Reason:')
  })

  it('stays under the SNS size limit for a huge report', () => {
    const hosts = Array.from({length: 50}, (_, i) => ({...rolledBack.hosts[0]!, instanceId: `i-${String(i).padStart(17, '0')}`, reason: 'r'.repeat(6000)}))
    const text = notificationMessage({...rolledBack, hosts})
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(240 * 1024)
    expect(text.endsWith('... (cut: too long for SNS; `upsc history` has every host)\n')).toBe(true)
  })
})

describe('deployStats', () => {
  const minute = (i: number, deploys: number, failed: number) => ({at: Date.parse('2026-11-28T18:00:00Z') - i * 60_000, deploys, failed})

  it('counts the newest deploys up to the window, newest first whatever the order given', () => {
    const minutes = [minute(30, 5, 5), ...Array.from({length: 20}, (_, i) => minute(i, 1, i % 4 === 0 ? 1 : 0))].reverse()
    expect(deployStats(minutes)).toEqual({window: 20, deploys: 20, failed: 5, failureRate: 0.25})
  })

  it('takes a whole minute when several deploys share the oldest one, and fewer deploys when there are fewer', () => {
    expect(deployStats([minute(0, 19, 0), minute(1, 3, 3)])).toEqual({window: 20, deploys: 22, failed: 3, failureRate: 0.136})
    expect(deployStats([minute(0, 2, 1), minute(5, 1, 1)])).toEqual({window: 20, deploys: 3, failed: 2, failureRate: 0.667})
  })

  it('is undefined without deploys', () => {
    expect(deployStats([])).toBeUndefined()
    expect(deployStats([minute(0, 0, 0)])).toBeUndefined()
  })

  it('matches the SampleCount and Sum series by timestamp', () => {
    const t = (m: number) => new Date(Date.parse('2026-11-28T18:00:00Z') + m * 60_000)
    expect(minutesFrom({timestamps: [t(2), t(1)], values: [2, 1]}, {timestamps: [t(1)], values: [1]})).toEqual([
      {at: t(2).getTime(), deploys: 2, failed: 0},
      {at: t(1).getTime(), deploys: 1, failed: 1},
    ])
  })
})

describe('renderDeployStats', () => {
  const level = chalk.level
  beforeAll(() => void (chalk.level = 0))
  afterAll(() => void (chalk.level = level))

  it('says how many of the last deploys failed, as a share', () => {
    expect(renderDeployStats({window: 20, deploys: 20, failed: 2, failureRate: 0.1})).toBe('Deploys: 2 of the last 20 failed (10%)')
    expect(renderDeployStats({window: 20, deploys: 3, failed: 2, failureRate: 0.667})).toBe('Deploys: 2 of the last 3 failed (66.7%)')
  })
})

describe('sendFailure', () => {
  it('one line with the error, naming the permission when it was refused', () => {
    expect(sendFailure({name: 'AuthorizationError', message: 'User: arn:x is not authorized\nto perform: SNS:Publish'}, 'sns:Publish')).toBe(
      'AuthorizationError: User: arn:x is not authorized to perform: SNS:Publish (the caller needs sns:Publish)',
    )
    expect(sendFailure({name: 'NotFoundException', message: 'Topic does not exist', $metadata: {httpStatusCode: 404}}, 'sns:Publish')).toBe(
      'NotFoundException: Topic does not exist',
    )
    expect(sendFailure({name: 'TimeoutError', message: 'The operation was aborted due to timeout'}, 'cloudwatch:PutMetricData')).toBe('no answer within 15s')
  })
})
