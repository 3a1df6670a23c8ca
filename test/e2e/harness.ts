/**
 * Run the built CLI as a user would: a subprocess with the stand-in's environment, in a folder
 * holding an upsc.config.json for the sandbox stage.
 */
import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {z} from 'zod'

import {JSON_DOCUMENTS, type JsonDocumentName} from '../../src/render/json-schemas.js'

export const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The sandbox stage: health checks on the compose service's published port (hosts share a machine). */
export function sandboxStage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    region: 'eu-central-1',
    instances: {tags: {Name: 'upscpro-stage2-docker'}},
    healthChecks: [{name: 'api', service: 'api', port: 8000, path: '/health', expectStatus: 200}],
    timeouts: {healthSeconds: 10, dockerReadySeconds: 20},
    retry: {tries: 3, baseSeconds: 0},
    ...overrides,
  }
}

export function writeConfig(stages: Record<string, Record<string, unknown>> = {stage2: sandboxStage()}, extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'upsc-e2e-'))
  writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({defaultStage: Object.keys(stages)[0], stages, ...extra}, null, 2))
  return dir
}

export function runCli(
  args: string[],
  options: {cwd: string; env: Record<string, string>; timeoutMs?: number; onStdout?: (chunk: string) => void},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      cwd: options.cwd,
      env: {PATH: process.env.PATH!, HOME: options.cwd, NO_COLOR: '1', CI: 'true', ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
      options.onStdout?.(d.toString())
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stdout, stderr})
    })
  })
}

/** Build and start the app on a sandbox host directly (as a host that was deployed before). */
export function startAppOnHost(host: {appDir: string; env: Record<string, string>}, branch?: string): void {
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, {cwd: host.appDir, env: {...process.env, ...host.env}, stdio: 'pipe'})
  if (branch) {
    run('git', ['fetch', '-q', 'origin'])
    run('git', ['checkout', '-q', '--detach', `origin/${branch}`])
  }
  run('docker', ['compose', 'build'])
  run('docker', ['compose', 'up', '-d', '--remove-orphans'])
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The built CLI in the background, for --follow: read its output as it comes, stop it with Ctrl-C. */
export function startCli(args: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [RUN, ...args], {
    cwd,
    env: {PATH: process.env.PATH!, HOME: cwd, NO_COLOR: '1', CI: 'true', ...env},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = {stdout: '', stderr: ''}
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return {
    out,
    async waitFor(check: () => boolean, what: string, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`)
        await sleep(100)
      }
    },
    async interrupt() {
      child.kill('SIGINT')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

/**
 * Steps that put a stand-in in a known state, each run once and in order by whichever test needs
 * it first: `upTo(n)` runs what is missing of the first n and resolves with their results. Any
 * test of a file then also runs alone (`-t`), and a full run pays for each step once.
 */
export function stepsOnce<T>(steps: (() => Promise<T>)[]): (n: number) => Promise<T[]> {
  const runs: Promise<T>[] = []
  return (n) => {
    for (let i = runs.length; i < n; i++) {
      const previous = runs[i - 1]
      runs.push(previous ? previous.then(() => steps[i]!()) : steps[i]!())
    }
    return Promise.all(runs.slice(0, n))
  }
}

/** A command's --json output, parsed with its published schema (docs/JSON.md): throws on any mismatch. */
export function jsonDocument<N extends JsonDocumentName>(name: N, stdout: string): z.infer<(typeof JSON_DOCUMENTS)[N]['schema']> {
  return JSON_DOCUMENTS[name].schema.parse(JSON.parse(stdout)) as z.infer<(typeof JSON_DOCUMENTS)[N]['schema']>
}
