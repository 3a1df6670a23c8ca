import {describe, expect, it} from 'vitest'

import type {HostResult} from '../../src/outcome/host-result.js'
import type {DeployResult, RollbackResult} from '../../src/outcome/results.js'
import {renderCancel, renderDeployEnd, renderHostResults, renderRollbackEnd} from '../../src/render/deploy.js'

const ID = '0b6c5a4e-1d2f-4f57-9a43-6f0e8e4b2a11'
const host: HostResult = {
  instanceId: 'i-1',
  outcome: 'succeeded',
  exitCode: 0,
  steps: [],
  records: [],
  warnings: [],
  invocationStatus: 'Success',
  outputSource: 'cloudwatch',
  outputTruncated: false,
}
const deploy = (extra: Partial<DeployResult> = {}): DeployResult => ({
  stage: 'stage2',
  commandId: ID,
  branch: 'main',
  detached: false,
  hosts: [host],
  exitCode: 0,
  ...extra,
})

describe('renderDeployEnd', () => {
  it('--detach: the command id, how to follow it and how to cancel it, on the stage given', () => {
    expect(renderDeployEnd(deploy({detached: true}), {detach: true, stageFlag: 'prod'})).toBe(
      `Deploy sent: Run Command ${ID}.\nFollow it:  upsc deploy --stage prod --attach ${ID}\nCancel it:  upsc deploy --stage prod --cancel ${ID}`,
    )
  })

  it('Ctrl-C: following stopped, the deploy goes on', () => {
    expect(renderDeployEnd(deploy({detached: true}), {detach: false})).toBe(
      `\nStopped following. The deploy goes on on the host.\nFollow it:  upsc deploy --attach ${ID}\nCancel it:  upsc deploy --cancel ${ID}`,
    )
  })

  it("the hosts' results, or what --cancel did", () => {
    expect(renderDeployEnd(deploy(), {detach: false})).toBe(renderHostResults([host], {verb: 'Deploy', branch: 'main', commandId: ID}))
    const cancelled = [{instanceId: 'i-1', how: 'not-running' as const, message: 'no deploy holds the lock'}]
    expect(renderDeployEnd(deploy({cancelled}), {detach: false})).toBe(renderCancel(cancelled))
  })
})

describe('renderRollbackEnd', () => {
  const rollback = (extra: Partial<RollbackResult> = {}): RollbackResult => ({
    stage: 'stage2',
    plans: [],
    commandIds: ['c-1', 'c-2'],
    hosts: [host],
    exitCode: 0,
    detached: false,
    ...extra,
  })

  it('following stopped: re-attach to the last Run Command', () => {
    expect(renderRollbackEnd(rollback({detached: true}))).toBe('\nStopped following. The rollback goes on on the host.\nFollow it: upsc deploy --attach c-2')
  })

  it("the hosts' results, with every Run Command id", () => {
    expect(renderRollbackEnd(rollback())).toBe(renderHostResults([host], {verb: 'Rollback', commandId: 'c-1, c-2'}))
  })
})
