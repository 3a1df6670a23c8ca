#!/usr/bin/env node
// The process behind one fake container: a small HTTP server on loopback.
//   GET /health   -> the status code in <fs>/health (read on every request, default 200); 503 when the
//                    container's environment (<fs>/.container-env) has a DATABASE_URL that is not postgres://
//   GET /version  -> the content of <fs>/VERSION
// It logs one line per request to stdout, which the fake docker keeps as the container log.
//
// Usage: fake-service.js --id ID --name NAME --fs DIR --ready-file FILE [--port P]...
// (--port 0 or no --port: any free port). Once listening it writes {pid, ports} to the
// ready file, which is how `docker compose up` knows the container is up.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import {whenRigGone} from './util.js'

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{id: string, name: string, fs: string, readyFile: string, ports: number[]}} */
  const opts = {id: '', name: '', fs: '.', readyFile: '', ports: []}
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]]
    if (flag === '--id') opts.id = value
    else if (flag === '--name') opts.name = value
    else if (flag === '--fs') opts.fs = value
    else if (flag === '--ready-file') opts.readyFile = value
    else if (flag === '--port') opts.ports.push(Number(value))
    else throw new Error(`fake-service: unknown argument ${flag}`)
  }
  if (opts.ports.length === 0) opts.ports.push(0)
  return opts
}

/** @param {string} file @param {string} fallback */
function readText(file, fallback) {
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch {
    return fallback
  }
}

/** @param {string} line */
const log = (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`)

const opts = parseArgs(process.argv.slice(2))

/** @type {http.RequestListener} */
function handle(req, res) {
  const version = readText(path.join(opts.fs, 'VERSION'), 'unknown')
  let status = 404
  let body = JSON.stringify({error: 'not found'})
  if (req.url === '/health') {
    status = Number.parseInt(readText(path.join(opts.fs, 'health'), '200'), 10) || 200
    // Like an app that cannot use its database: a DATABASE_URL that is not postgres:// fails health.
    const db = /^DATABASE_URL=(.*)$/m.exec(readText(path.join(opts.fs, '.container-env'), ''))
    if (db && !/^postgres(ql)?:\/\//.test(db[1])) status = 503
    body = JSON.stringify({status: status < 400 ? 'ok' : 'error', version})
  } else if (req.url === '/version') {
    status = 200
    body = `${version}\n`
  } else if (req.url === '/') {
    status = 200
    body = JSON.stringify({service: opts.name, version})
  }
  res.writeHead(status, {'content-type': req.url === '/version' ? 'text/plain' : 'application/json'})
  res.end(body)
  log(`INFO: ${req.socket.remoteAddress} - "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status}`)
}

/** @param {number} port @returns {Promise<number>} */
function listen(port) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handle)
    server.keepAliveTimeout = 1000
    server.on('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port))
  })
}

try {
  const ports = await Promise.all(opts.ports.map(listen))
  const version = readText(path.join(opts.fs, 'VERSION'), 'unknown')
  log(`INFO: ${opts.name} version ${version} listening on ${ports.map((p) => `127.0.0.1:${p}`).join(', ')}`)
  const tmp = `${opts.readyFile}.tmp`
  fs.writeFileSync(tmp, JSON.stringify({pid: process.pid, ports}))
  fs.renameSync(tmp, opts.readyFile)
} catch (error) {
  log(`ERROR: ${/** @type {Error} */ (error).message}`)
  process.exit(1)
}

// A container must not outlive the rig: stop when the process that created the host is
// gone (even if it was SIGKILLed) or when the host folder was removed.
whenRigGone(opts.fs, () => {
  log('INFO: rig gone, shutting down')
  process.exit(0)
})

for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGTERM', 'SIGINT'])) {
  process.on(signal, () => {
    log(`INFO: received ${signal}, shutting down`)
    process.exit(0)
  })
}
