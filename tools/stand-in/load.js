// A bounded load generator for loopback URLs, used by the blue-green tests and benchmarks: it
// sends `rate` requests a second (each on a new connection, so every request really goes through
// the proxy's accept path) until stopped, and counts what came back.
import http from 'node:http'

/**
 * @typedef {object} LoadReport
 * @property {number} total       requests sent (all of them ended: answered, failed or timed out)
 * @property {number} ok          2xx answers
 * @property {number} non2xx      other answers
 * @property {number} errors      connection errors and timeouts
 * @property {Record<string, number>} colours  2xx answers by X-Upsc-Colour header ('' = none)
 * @property {string[]} samples   the first few failures, for messages
 * @property {number} seconds     how long the load ran
 */

/**
 * Start sending GET requests to a loopback URL.
 * @param {{url: string, rate?: number, timeoutMs?: number}} opts
 */
export function startLoad({url, rate = 100, timeoutMs = 5000}) {
  const target = new URL(url)
  if (!['127.0.0.1', 'localhost'].includes(target.hostname)) throw new Error(`load: loopback URLs only, not ${url}`)
  /** @type {LoadReport} */
  const report = {total: 0, ok: 0, non2xx: 0, errors: 0, colours: {}, samples: [], seconds: 0}
  const started = Date.now()
  let inFlight = 0
  /** @type {(() => void) | undefined} */
  let drained
  const fail = (/** @type {string} */ what) => {
    if (report.samples.length < 10) report.samples.push(what)
  }
  const one = () => {
    inFlight++
    const req = http.get(url, {agent: false, timeout: timeoutMs}, (res) => {
      res.resume()
      res.on('end', () => {
        if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) {
          report.ok++
          const colour = String(res.headers['x-upsc-colour'] ?? '')
          report.colours[colour] = (report.colours[colour] ?? 0) + 1
        } else {
          report.non2xx++
          fail(`status ${res.statusCode}`)
        }
        done()
      })
      res.on('error', (error) => {
        report.errors++
        fail(error.message)
        done()
      })
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (error) => {
      report.errors++
      fail(error.message)
      done()
    })
  }
  let ended = false
  const done = () => {
    report.total++
    inFlight--
    if (ended && inFlight === 0) drained?.()
  }
  // Ticks every 10 ms, sending what the rate owes since the start (timers drift under load).
  let sent = 0
  const timer = setInterval(() => {
    const owed = Math.floor(((Date.now() - started) / 1000) * rate)
    for (; sent < owed; sent++) one()
  }, 10)
  return {
    /** Stop sending; resolves once every request sent has ended. @returns {Promise<LoadReport>} */
    async stop() {
      clearInterval(timer)
      ended = true
      report.seconds = (Date.now() - started) / 1000
      if (inFlight > 0) await new Promise((resolve) => (drained = () => resolve(undefined)))
      return report
    },
    /** The counts so far. */
    snapshot: () => ({...report, colours: {...report.colours}}),
  }
}
