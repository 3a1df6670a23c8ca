import {describe, expect, it} from 'vitest'

import {hostRollbackPlan} from '../../src/history/records.js'

const target = {id: 'd-2', kind: 'deploy', branch: 'main', commit: 'a'.repeat(40), outcome: 'succeeded', schema: 1}

describe('hostRollbackPlan: what the host chose, read as it is', () => {
  it('takes the target and the running commit, with its branch from current.json', () => {
    const result = {records: [], rollback: {running: 'b'.repeat(40), target, problem: null}, current: {commit: 'b'.repeat(40), branch: 'feature-x'}}
    expect(hostRollbackPlan('i-1', result)).toEqual({instanceId: 'i-1', fromCommit: 'b'.repeat(40), fromBranch: 'feature-x', to: target})
  })

  it("leaves the branch out when current.json names another commit, and passes the host's problem on", () => {
    const result = {rollback: {running: 'b'.repeat(40), target, problem: null}, current: {commit: 'c'.repeat(40), branch: 'old'}}
    expect(hostRollbackPlan('i-1', result)).toEqual({instanceId: 'i-1', fromCommit: 'b'.repeat(40), to: target})
    expect(hostRollbackPlan('i-2', {rollback: {running: null, target: null, problem: 'nothing to roll back to: ...'}})).toEqual({
      instanceId: 'i-2',
      problem: 'nothing to roll back to: ...',
    })
    expect(hostRollbackPlan('i-3', {records: []})).toEqual({instanceId: 'i-3', problem: 'the host did not say what it would roll back to'})
  })
})
