// Shared helpers for the benchmark modules: timing subprocesses, peak memory, medians.
import {spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

/**
 * Run a command, measuring its wall time and peak resident memory (Linux: the kernel's own
 * high-water mark of the process tree's largest member, via /usr/bin/time -f %M when present,
 * else VmHWM polled from /proc).
 */
export function measure(command, args, {env = process.env, cwd, input} = {}) {
  return new Promise((resolve, reject) => {
    const useTime = hasGnuTime()
    const argv = useTime ? ['-f', '%M', command, ...args] : args
    const started = process.hrtime.bigint()
    const child = spawn(useTime ? '/usr/bin/time' : command, argv, {env, cwd, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    if (input) child.stdin.end(input)
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      let peakKiB
      if (useTime) {
        const lines = stderr.trimEnd().split('\n')
        peakKiB = Number(lines.pop())
        stderr = lines.join('\n')
      }
      resolve({code, ms, peakMiB: peakKiB ? peakKiB / 1024 : undefined, stdout, stderr})
    })
  })
}

let gnuTime
export function hasGnuTime() {
  if (gnuTime === undefined) {
    try {
      readFileSync('/usr/bin/time')
      gnuTime = true
    } catch {
      gnuTime = false
    }
  }
  return gnuTime
}

export const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`)
export const fmtRatio = (r) => `${r.toFixed(2)}x`
