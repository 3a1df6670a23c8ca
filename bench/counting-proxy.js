// A counting HTTP proxy in front of an AWS endpoint of the stand-in: every request is forwarded
// unchanged, and counted by service and action (X-Amz-Target for JSON protocols, the form's
// Action for EC2's query protocol). The journal keeps each request's action and the moment its
// first byte arrived (`at`, milliseconds on this process's clock: performance.timeOrigin + now()).
import http from 'node:http'

export async function startCountingProxy(targetUrl) {
  const target = new URL(targetUrl)
  const counts = new Map()
  const journal = []
  const server = http.createServer((req, res) => {
    const at = performance.timeOrigin + performance.now()
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const amzTarget = req.headers['x-amz-target']
      const action = amzTarget
        ? String(amzTarget)
            .replace(/^AmazonSSM\./, 'ssm:')
            .replace(/^Logs_\d+\./, 'logs:')
        : `ec2:${new URLSearchParams(body.toString()).get('Action') ?? '?'}`
      counts.set(action, (counts.get(action) ?? 0) + 1)
      journal.push({action, at})
      const upstream = http.request(
        {hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: {...req.headers, host: target.host}},
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        },
      )
      upstream.on('error', () => (res.writeHead(502), res.end()))
      upstream.end(body)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts: () => Object.fromEntries([...counts].sort()),
    journal: () => [...journal],
    reset: () => (counts.clear(), (journal.length = 0)),
    stop: () => new Promise((resolve) => server.close(resolve)),
  }
}
