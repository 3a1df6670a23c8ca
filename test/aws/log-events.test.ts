/**
 * The logs adapters with the real SDK client (upsc's retry settings) against a local endpoint that
 * speaks CloudWatch Logs' JSON protocol: throttling is retried by the client itself, which is why
 * a range read has no retry loop of its own (ops/log-range.ts).
 */
import {CloudWatchLogsClient} from '@aws-sdk/client-cloudwatch-logs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {clientOptions} from '../../src/aws/clients.js'
import {filterLogEvents} from '../../src/aws/log-events.js'

let server: Server
let url: string
let throttled = 0
const requests: {target: string; body: Record<string, unknown>}[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      requests.push({target: String(req.headers['x-amz-target']), body: JSON.parse(body) as Record<string, unknown>})
      res.setHeader('content-type', 'application/x-amz-json-1.1')
      if (throttled > 0) {
        throttled--
        res.statusCode = 400
        res.end(JSON.stringify({__type: 'ThrottlingException', message: 'Rate exceeded'}))
        return
      }
      res.end(
        JSON.stringify({
          events: [{logStreamName: 'i-1/deploy', timestamp: 1000, message: 'hello', eventId: 'e1', ingestionTime: 1005}],
          nextToken: 'n2',
          searchedLogStreams: [],
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
beforeEach(() => {
  requests.length = 0
  throttled = 0
})

const client = () =>
  new CloudWatchLogsClient({...clientOptions({region: 'eu-central-1'}, {}), endpoint: url, credentials: {accessKeyId: 'a', secretAccessKey: 'b'}})

describe('filterLogEvents', () => {
  it("sends one page's query and returns its events as LogEvents", async () => {
    const page = await filterLogEvents(client(), {group: '/g', start: 0, end: 5000, limit: 4000, streamPrefix: 'i-1/'})
    expect(page).toEqual({
      events: [{group: '/g', stream: 'i-1/deploy', timestamp: 1000, message: 'hello', eventId: 'e1', ingestionTime: 1005}],
      nextToken: 'n2',
    })
    expect(requests).toEqual([
      {
        target: 'Logs_20140328.FilterLogEvents',
        body: {logGroupName: '/g', startTime: 0, endTime: 5000, interleaved: true, limit: 4000, logStreamNamePrefix: 'i-1/'},
      },
    ])
  })

  it('is retried by the client through throttling (four attempts in all)', async () => {
    throttled = 3
    const page = await filterLogEvents(client(), {group: '/g', start: 0, limit: 10})
    expect(page.events.map((e) => e.message)).toEqual(['hello'])
    expect(requests).toHaveLength(4)
  }, 60_000)

  it("throws the throttling that outlasted the client's attempts", async () => {
    throttled = 5
    const error = await filterLogEvents(client(), {group: '/g', start: 0, limit: 10}).catch((e: unknown) => e)
    expect((error as Error).name).toBe('ThrottlingException')
    expect(requests).toHaveLength(4)
  }, 60_000)
})
