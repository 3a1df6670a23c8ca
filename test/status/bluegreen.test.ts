import {describe, expect, it} from 'vitest'

import {blueGreenChecks} from '../../src/status/evaluate.js'
import type {BlueGreenProbe} from '../../src/status/types.js'

const live: BlueGreenProbe = {
  strategy: 'blueGreen',
  live: 'green',
  liveCommit: 'e05d2a79c89fa13753ff9076b1da3c5f5f9a0cb6',
  idle: 'blue',
  idleState: 'running',
  idleCommit: '4067b955e3969658ded40ae83f108830885b9ec9',
  proxy: {running: true, ports: [{service: 'api', port: 8000, status: 200, colour: 'green'}]},
}

describe('blueGreenChecks', () => {
  it('shows the live colour, the warm one and the proxy answering from the live colour', () => {
    expect(blueGreenChecks(live)).toEqual([
      {id: 'bluegreen.live', label: 'Live colour', verdict: 'ok', detail: 'green @ e05d2a7; blue @ 4067b95 warm (rollback is a switch)'},
      {id: 'bluegreen.proxy', label: 'Proxy', verdict: 'ok', detail: 'nginx :8000 api -> green (HTTP 200)'},
    ])
  })

  it('fails the proxy when it is down, or answers from the wrong colour or with a server error', () => {
    expect(blueGreenChecks({...live, proxy: {running: false, ports: []}})[1]).toMatchObject({
      verdict: 'fail',
      detail: 'nginx is not running: the public ports are closed (upsc deploy starts it)',
    })
    expect(blueGreenChecks({...live, proxy: {running: true, ports: [{service: 'api', port: 8000, status: 200, colour: 'blue'}]}})[1]).toMatchObject({
      verdict: 'fail',
    })
    expect(blueGreenChecks({...live, proxy: {running: true, ports: [{service: 'api', port: 8000, status: 502, colour: 'green'}]}})[1]).toMatchObject({
      verdict: 'fail',
    })
  })

  it('says the idle colour is stopped, and warns before the first blueGreen deploy', () => {
    expect(blueGreenChecks({...live, idleState: 'stopped'})[0]!.detail).toBe('green @ e05d2a7; blue stopped')
    expect(blueGreenChecks({...live, live: null, idle: null, idleState: null})).toEqual([
      {id: 'bluegreen.live', label: 'Live colour', verdict: 'warn', detail: 'none yet: the next deploy starts the blue colour and the proxy'},
    ])
  })
})
