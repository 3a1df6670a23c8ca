import {describe, expect, it} from 'vitest'

import {cancelledHost} from '../../src/ops/cancel.js'
import type {HostResult} from '../../src/outcome/host-result.js'
import {renderCancel} from '../../src/render/deploy.js'

const host = (over: Partial<HostResult>): HostResult => ({
  instanceId: 'i-1',
  name: 'web',
  outcome: 'succeeded',
  exitCode: 0,
  steps: [],
  records: [],
  warnings: [],
  invocationStatus: 'Success',
  outputSource: 'invocation',
  outputTruncated: false,
  ...over,
})
const holder = {kind: 'deploy', id: 'd-1', branch: 'feature-x', pid: 42, alive: true}

describe('cancelledHost', () => {
  it('graceful: the deploy stopped by itself; branch and commit from its own result', () => {
    const asked = host({result: {action: 'cancel', released: true, holder, message: 'cancelled ...'}})
    const deploy = host({outcome: 'cancelled', exitCode: 130, result: {id: 'd-1', branch: 'feature-x', commit: 'abcdef1234567890', outcome: 'cancelled'}})
    expect(cancelledHost(asked, undefined, deploy)).toEqual({
      instanceId: 'i-1',
      name: 'web',
      how: 'graceful',
      deployId: 'd-1',
      branch: 'feature-x',
      commit: 'abcdef1234567890',
      message: 'cancelled ...',
    })
  })

  it('forced: killed by CancelCommand, then repaired; the commit from the fetch step when the record has none', () => {
    const asked = host({exitCode: 1, outcome: 'failed', result: {released: false, held: true, holder, message: 'did not stop within 1s'}})
    const repaired = host({
      result: {released: true, message: 'd-1 had been killed (CancelCommand): recorded as cancelled'},
      records: [{id: 'd-1', branch: 'feature-x', commit: null, outcome: 'cancelled'}],
    })
    const deploy = host({outcome: 'cancelled', exitCode: 1, steps: [{name: 'fetch', status: 'ok', seconds: 1, detail: '3a4f2c1b9e0d'}]})
    expect(cancelledHost(asked, repaired, deploy)).toMatchObject({
      how: 'forced',
      deployId: 'd-1',
      branch: 'feature-x',
      commit: '3a4f2c1b9e0d',
      message: 'd-1 had been killed (CancelCommand): recorded as cancelled',
    })
  })

  it('not running: no run of the command held the lock and it was not cancelled; a pending one cancelled counts as forced', () => {
    const asked = host({result: {released: false, holder: null, message: 'no run of command c holds the deploy lock on this host: nothing to cancel'}})
    expect(cancelledHost(asked, undefined, host({outcome: 'succeeded'})).how).toBe('not-running')
    expect(cancelledHost(asked, undefined, host({outcome: 'not-started'})).how).toBe('forced')
  })

  it('failed: the repair after CancelCommand did not happen', () => {
    const asked = host({exitCode: 1, result: {released: false, holder, message: 'did not stop within 1s'}})
    expect(cancelledHost(asked, host({exitCode: 1, result: {released: false, message: 'nothing to cancel'}}), undefined).how).toBe('failed')
  })
})

describe('renderCancel', () => {
  it('says which happened and names the deploy, its branch and its commit', () => {
    const text = renderCancel([
      {instanceId: 'i-1', name: 'web', how: 'graceful', deployId: 'd-1', branch: 'feature-x', commit: 'abcdef1234', message: ''},
      {instanceId: 'i-2', how: 'forced', deployId: 'd-1', branch: 'feature-x', message: 'd-1 had been killed (CancelCommand): recorded as cancelled'},
      {instanceId: 'i-3', how: 'not-running', message: 'nothing to cancel'},
    ])
    expect(text.split('\n')).toEqual([
      '✔ Cancelled deploy d-1 of feature-x @ abcdef1 on web (i-1): it stopped gracefully, put back what runs and recorded the attempt as cancelled.',
      '✔ Cancelled deploy d-1 of feature-x @ ? on i-2 by force (CancelCommand killed it): d-1 had been killed (CancelCommand): recorded as cancelled',
      '• Nothing to cancel on i-3: nothing to cancel',
    ])
  })
})
