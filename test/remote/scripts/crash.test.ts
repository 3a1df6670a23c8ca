// Crash consistency, measured (docs/FAULTS.md). Deploys (one that succeeds, one whose build fails, one
// whose health gate fails and rolls back automatically) and a rollback are each killed with SIGKILL of their whole
// process group, as Run Command's cancel and timeout do, at every moment the fake tools count: before
// and after each docker, git and systemctl call (FAKE_KILL_AT, tools/stand-in/fakes/killpoint.js). That is
// deterministic: the Nth call kills, whatever the clock. After each kill the next upsc action that
// looks (lock status, status's probe, or the next deploy or rollback) must leave the host consistent:
// checkout and image tags on what runs (current.json), what runs healthy, the killed attempt in the
// history, the lock free.
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {FAST, healthStatus, historyFile, inconsistencies, lockHeld, newHost} from './helpers.ts'
import {runScript} from './run-script.ts'

// A failing health gate polls once (interval longer than its timeout): the number of tool calls, so
// the moments, do not depend on the clock.
const SCENARIOS = [
  {name: 'deploy feature-x', script: 'deploy', settings: {UPSC_BRANCH: 'feature-x'}, base: 'main'},
  {name: 'deploy build-fails', script: 'deploy', settings: {UPSC_BRANCH: 'build-fails'}, base: 'main'},
  {
    name: 'deploy bad-health (auto-rollback)',
    script: 'deploy',
    settings: {UPSC_BRANCH: 'bad-health', UPSC_HEALTH_TIMEOUT_SECONDS: 1, UPSC_HEALTH_INTERVAL_SECONDS: 2},
    base: 'main',
  },
  {name: 'rollback', script: 'rollback', settings: {}, base: 'feature-x'},
]
const NEXT = ['lock', 'lock', 'probe', 'lock', 'lock', 'again']

/** A host running `base` (main, or feature-x deployed over main), with health checks fast. */
async function baseHost(base) {
  const host = newHost()
  expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'main'})).code).toBe(0)
  if (base === 'feature-x') expect((await runScript(host, 'deploy', {...FAST, UPSC_BRANCH: 'feature-x'})).code).toBe(0)
  return host
}

/**
 * Kill SCENARIO at moments FIRST, FIRST+2, ... on one host, one after the other, until a run ends
 * before its moment comes (all its moments are done); after each kill, run the next action and
 * check. Returns one line per kill.
 */
async function killRun(scenario, first) {
  const host = await baseHost(scenario.base)
  const counter = path.join(host.root, 'kill-at')
  const killing = {...host, env: {...host.env, FAKE_KILL_AT: counter}}
  const lines = []
  for (let i = 0, moment = first; ; i++, moment += 2) {
    const id = `k-${scenario.script}-${moment}`
    fs.writeFileSync(counter, `${moment}\n`)
    fs.rmSync(`${counter}.hit`, {force: true})
    const killed = await runScript(killing, scenario.script, {...FAST, ...scenario.settings, UPSC_DEPLOY_ID: id})
    if (!fs.existsSync(`${counter}.hit`)) {
      expect([0, 1, 5], killed.stdout).toContain(killed.code) // it ran to its end
      break
    }
    const what = fs.readFileSync(`${counter}.hit`, 'utf8').trim()
    expect(killed.signal, what).toBe('SIGKILL')
    const next = NEXT[(i + first) % NEXT.length]
    if (next === 'lock') expect((await runScript(host, 'lock', {})).code).toBe(0)
    else if (next === 'probe') expect((await runScript(host, 'probe', FAST)).code).toBe(0)
    else {
      // The next deploy (or rollback) of what runs: it repairs first, then does its own work.
      const again = scenario.script === 'rollback' ? {UPSC_BRANCH: 'feature-x'} : {UPSC_BRANCH: 'main'}
      const run = await runScript(host, 'deploy', {...FAST, ...again})
      expect(run.code, run.stdout).toBe(0)
    }
    const problems = inconsistencies(host)
    const health = await healthStatus(host).catch((error) => String(error))
    if (health !== 200) problems.push(`health: ${health}`)
    if (!historyFile(host).some((r) => r.id === id)) problems.push('no record of the killed attempt')
    if (lockHeld(host)) problems.push('lock held')
    lines.push({moment, what, next, problems})
  }
  return lines
}

describe('crash consistency: SIGKILL at every counted moment of deploys (succeeding, failing to build, rolled back) and a rollback', () => {
  it('after each kill, the next upsc action leaves the host consistent', async () => {
    // Two hosts per scenario, one taking the odd moments, one the even, all hosts at once.
    const jobs = SCENARIOS.flatMap((s) => [1, 2].map((first) => ({s, first})))
    const results = await Promise.all(jobs.map((j) => killRun(j.s, j.first).then((lines) => ({scenario: j.s.name, lines}))))
    const kills = results.flatMap((r) => r.lines.map((l) => ({scenario: r.scenario, ...l})))
    const perScenario = SCENARIOS.map((s) => kills.filter((k) => k.scenario === s.name).length)
    const bad = kills.filter((k) => k.problems.length > 0)
    const figure = `${kills.length - bad.length} consistent / ${kills.length} killed`
    console.log(`crash consistency: ${figure} (kills per scenario: ${perScenario.join(', ')})`)
    expect(bad.map((k) => `${k.scenario} #${k.moment} (${k.what}; next: ${k.next}): ${k.problems.join('; ')}`)).toEqual([])
    expect(kills.length).toBeGreaterThanOrEqual(100)
  }, 900_000)
})
