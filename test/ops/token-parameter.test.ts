import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {repoIsPublic} from '../../src/ops/token-parameter.js'

describe('repoIsPublic', () => {
  const seen: string[] = []
  let base = ''
  const server = createServer((req, res) => {
    seen.push(req.url ?? '')
    // As GitHub answers smart-HTTP discovery: 200 for a public repository, 401 for a private one.
    res.writeHead(req.url?.startsWith('/public/') ? 200 : 401).end()
  })

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => server.close())

  it('asks the anonymous clone endpoint, and says public only on 200', async () => {
    expect(await repoIsPublic(`${base}/public/app.git`)).toBe(true)
    expect(await repoIsPublic(`${base}/private/app`)).toBe(false)
    expect(seen).toEqual(['/public/app.git/info/refs?service=git-upload-pack', '/private/app.git/info/refs?service=git-upload-pack'])
  })

  it('is not public when the host cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    closed.close()
    expect(await repoIsPublic(`http://127.0.0.1:${port}/x.git`, 2000)).toBe(false)
  })
})
