// The host's script cache, run for real by bash on sandbox hosts: loader.sh runs a cached bundle only
// when its sha256 matches, and install.sh assembles one from chunks, atomically, in any order.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {buildPayload, cachedScripts, type CachedScripts, decodePayload, needScriptsLine, scriptBundle, sha256} from '../../../src/remote/payload.js'
// @ts-expect-error plain JS helpers
import {FAST, historyFile, newHost} from './helpers.ts'
// @ts-expect-error plain JS helpers
import {runCommandsSync} from './run-script.ts'

type Host = {root: string; env: Record<string, string>; upscHome: string; buildCount(): number}
type Sync = {status: number | null; stdout: string; stderr: string}

const run = (host: Host, commands: string[]): Sync => runCommandsSync(host, commands)
const deployPayload = (settings: Record<string, string | number> = {}) => buildPayload('deploy', {...FAST, UPSC_BRANCH: 'main', ...settings})
const cacheDir = (host: Host) => path.join(host.upscHome, 'scripts')
const cached = (commands: string[]): CachedScripts => {
  const scripts = cachedScripts(commands)
  if (!scripts) throw new Error('the deploy payload travels inline: this test needs its scripts in the cache')
  return scripts
}
const resultOf = (out: Sync) =>
  JSON.parse(
    out.stdout
      .split('\n')
      .find((l) => l.startsWith('::upsc result '))!
      .slice('::upsc result '.length),
  )

/** Run a bash program (as install.sh's commands decode to) on a host. */
function runProgram(host: Host, program: string): Sync {
  return run(host, [program])
}

describe('the script cache on a host', () => {
  it('a fresh host reports the bundle missing (exit 0, nothing run); installed from chunks in any order, it runs the deploy', () => {
    const host = newHost() as Host
    const commands = deployPayload()
    const scripts = cached(commands)
    expect(scripts.sha).toBe(sha256(scriptBundle('deploy')))
    expect(scripts.installs.length).toBeGreaterThan(1)

    const missing = run(host, commands)
    expect(missing.status).toBe(0)
    expect(missing.stdout).toBe(`${needScriptsLine(scripts.sha)}\n`)
    expect(historyFile(host)).toEqual([])
    expect(host.buildCount()).toBe(0)

    // Last chunk first: only the chunk that completes the set installs the bundle.
    const results = [...scripts.installs].reverse().map((install) => {
      const out = run(host, install)
      expect(out.status, out.stderr).toBe(0)
      return resultOf(out)
    })
    expect(results.map((r) => r.installed)).toEqual([...results.slice(1).map(() => false), true])
    const file = path.join(cacheDir(host), `${scripts.sha}.sh`)
    expect(sha256(fs.readFileSync(file, 'utf8'))).toBe(scripts.sha)
    expect(fs.statSync(cacheDir(host)).mode & 0o777).toBe(0o700)
    expect(fs.statSync(file).mode & 0o077).toBe(0)
    expect(fs.readdirSync(cacheDir(host)).filter((f) => !f.startsWith('.lock'))).toEqual([`${scripts.sha}.sh`])

    const deployed = run(host, commands)
    expect(deployed.status, deployed.stdout + deployed.stderr).toBe(0)
    expect(deployed.stdout).not.toContain('need-scripts')
    expect(resultOf(deployed)).toMatchObject({kind: 'deploy', outcome: 'succeeded', branch: 'main'})
    expect(historyFile(host)).toHaveLength(1)
  }, 60_000)

  it('refuses a cached bundle that does not match its sha256, and runs none of it', () => {
    const host = newHost() as Host
    const commands = deployPayload()
    const scripts = cached(commands)
    const canary = path.join(host.root, 'CANARY')
    fs.mkdirSync(cacheDir(host), {recursive: true, mode: 0o700})
    const file = path.join(cacheDir(host), `${scripts.sha}.sh`)
    for (const corrupt of [`touch '${canary}'\n${scriptBundle('deploy')}`, scriptBundle('deploy').slice(0, 1000), '']) {
      fs.writeFileSync(file, corrupt, {mode: 0o600})
      const out = run(host, commands)
      expect(out.status).toBe(0)
      expect(out.stdout).toBe(`${needScriptsLine(scripts.sha)}\n`)
    }
    expect(fs.existsSync(canary)).toBe(false)
    expect(historyFile(host)).toEqual([])
    // Installing over the corrupt file replaces it with the real bundle.
    for (const install of scripts.installs) expect(run(host, install).status).toBe(0)
    expect(sha256(fs.readFileSync(file, 'utf8'))).toBe(scripts.sha)
  }, 60_000)

  it('never makes a half-installed or mismatching bundle visible', () => {
    const host = newHost() as Host
    const commands = deployPayload()
    const scripts = cached(commands)
    const [first, ...rest] = scripts.installs
    expect(resultOf(run(host, first!))).toMatchObject({installed: false, chunk: 1})
    expect(fs.readdirSync(cacheDir(host)).filter((f) => f.endsWith('.sh'))).toEqual([])
    expect(run(host, commands).stdout).toBe(`${needScriptsLine(scripts.sha)}\n`)

    // A damaged last chunk: the assembled bundle does not match, nothing is renamed into place.
    const last = decodePayload(rest.at(-1)!)
    const damaged = last.replace(/export UPSC_CHUNK='(.)/, (_m, c: string) => `export UPSC_CHUNK='${c === 'A' ? 'B' : 'A'}`)
    expect(damaged).not.toBe(last)
    for (const install of rest.slice(0, -1)) expect(run(host, install).status).toBe(0)
    const bad = runProgram(host, damaged)
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain(`the assembled bundle does not match sha256 ${scripts.sha}`)
    expect(fs.readdirSync(cacheDir(host)).filter((f) => !f.startsWith('.lock'))).toEqual([])
    expect(run(host, commands).stdout).toBe(`${needScriptsLine(scripts.sha)}\n`)
    expect(historyFile(host)).toEqual([])
  }, 60_000)

  it('installs from chunks sent all at once, and keeps only the most recently used bundles', async () => {
    const host = newHost() as Host
    const scripts = cached(deployPayload())
    fs.mkdirSync(cacheDir(host), {recursive: true, mode: 0o700})
    const old = Array.from({length: 10}, (_, i) => path.join(cacheDir(host), `${sha256(`old-${i}`)}.sh`))
    old.forEach((file, i) => {
      fs.writeFileSync(file, 'exit 0\n')
      fs.utimesSync(file, 1_700_000_000 + i, 1_700_000_000 + i)
    })
    const runAsync = (commands: string[]) =>
      new Promise<number | null>((resolve) => {
        const file = path.join(host.root, 'tmp', `install-${Math.random().toString(36).slice(2)}.sh`)
        fs.writeFileSync(file, commands.join('\n'))
        spawn('bash', [file], {cwd: host.root, env: host.env, stdio: 'ignore'}).on('close', resolve)
      })
    expect(await Promise.all(scripts.installs.map(runAsync))).toEqual(scripts.installs.map(() => 0))
    const kept = fs
      .readdirSync(cacheDir(host))
      .filter((f) => f.endsWith('.sh'))
      .sort()
    // The new bundle and the 7 newest old ones.
    expect(kept).toEqual([`${scripts.sha}.sh`, ...old.slice(3).map((f) => path.basename(f))].sort())
    expect(fs.readdirSync(cacheDir(host)).filter((f) => f.startsWith('.parts-'))).toEqual([])
  }, 60_000)
})
