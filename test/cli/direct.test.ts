// bin/run.js runs upsc's own commands through the direct runner (src/cli/direct/), without oclif's
// Config. It may never behave differently from oclif: here the runner finds the same command as
// oclif's normalizeArgv, leaves to oclif what only oclif can answer, relies only on what upsc's
// commands and plugins really have (no hooks with a command, nothing deprecated), and for every
// command prints the same output with the same exit code as oclif itself (UPSC_NO_FAST_PATH=1).
// Every e2e test runs the direct path; this file holds it against oclif's. Needs `npm run build`.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Config} from '@oclif/core'
import {getHelpFlagAdditions, normalizeArgv} from '@oclif/core/help'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT as root, runCli} from '../fixtures/run-cli.js'

// @ts-expect-error: a plain ESM loader, no types
import {DIRECT, loadBundle} from '../../bin/load-bundle.cjs'

interface Direct {
  TABLE: {allIds: string[]; bin: string; name: string; version: string; helpFlags: string[]; commands: Record<string, unknown>}
  commandFor(argv: string[]): {id: string; argv: string[]} | undefined
}
const direct = loadBundle(DIRECT) as Direct

let config: Config
let dir: string
beforeAll(async () => {
  config = await Config.load(root)
  dir = mkdtempSync(join(tmpdir(), 'upsc-direct-'))
  writeFileSync(join(dir, 'upsc.config.json'), JSON.stringify({stages: {stage2: {region: 'eu-central-1', instances: {tags: {Name: 'upscpro-stage2-docker'}}}}}))
  mkdirSync(join(dir, 'broken'))
  writeFileSync(join(dir, 'broken', 'upsc.config.json'), JSON.stringify({stages: {stage2: {region: 'mars-1', colour: 'blue'}}}))
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const ownIds = () => config.commands.filter((c) => c.pluginName === config.name).map((c) => c.id)

describe('the direct runner knows what oclif knows', () => {
  it("has every command id (the plugins' too), the help flags, the bin and the version oclif has", () => {
    expect([...direct.TABLE.allIds].sort()).toEqual([...config.commandIDs].sort())
    expect(Object.keys(direct.TABLE.commands).sort()).toEqual(ownIds().sort())
    expect([...direct.TABLE.helpFlags].sort()).toEqual(getHelpFlagAdditions(config).sort())
    expect({bin: direct.TABLE.bin, name: direct.TABLE.name, version: direct.TABLE.version}).toEqual({
      bin: config.bin,
      name: config.name,
      version: config.version,
    })
  })

  it('skips only what upsc does not have: hooks that run with a command, deprecations, aliases', () => {
    // Plugin (un)install hooks run only from `plugins install`, which upsc does not have.
    const never = new Set(['command_not_found', 'plugins:postinstall', 'plugins:postuninstall'])
    for (const plugin of config.getPluginsList())
      expect(
        Object.keys(plugin.hooks).filter((h) => !never.has(h)),
        plugin.name,
      ).toEqual([])
    for (const command of config.commands) {
      expect(command.state, command.id).toBeUndefined()
      expect(command.deprecationOptions, command.id).toBeUndefined()
      expect(command.aliases, command.id).toEqual([])
      for (const [name, flag] of Object.entries(command.flags)) expect(flag.deprecated, `${command.id} --${name}`).toBeUndefined()
    }
  })

  it('finds the command and its argv as oclif does, and leaves the rest to oclif', () => {
    const taken = [
      ['status'],
      ['status', '--json'],
      ['deploy', '--branch', 'main'],
      ['deploy', '-b', 'main', '--detach'],
      ['lock', 'status'],
      ['lock:status', '--json'],
      ['lock', 'acquire', '-m', 'release day', '--ttl', '2h'],
      ['env', 'set', 'A=1', 'B=2'],
      ['env', 'unset', 'A'],
      ['exec', 'docker', 'ps'],
      ['exec', '--', 'ls', '--help'],
      ['app', 'restart', '--service', 'api'],
      ['bootstrap', 'systemd', '--out', 'units'],
      ['logs', '--since', '1h', '--service', 'api'],
    ]
    for (const argv of taken) {
      const found = direct.commandFor(argv)
      expect(found, argv.join(' ')).toBeDefined()
      expect([found?.id, ...(found?.argv ?? [])], argv.join(' ')).toEqual(normalizeArgv(config, [...argv]))
    }
    const left = [
      [],
      ['--help'],
      ['--version'],
      ['-v'],
      ['help', 'status'],
      ['autocomplete'],
      ['status', '--help'],
      ['deploy', '-h', '--branch', 'main'],
      ['lock'],
      ['bootstrap'],
      ['statuss'],
      ['lock', 'statuss'],
    ]
    for (const argv of left) expect(direct.commandFor(argv), argv.join(' ')).toBeUndefined()
    // Words after a command without arguments make another id, as in oclif: no command, so oclif's
    // command_not_found hook answers them.
    for (const argv of [
      ['status', 'extra'],
      ['app', 'restart', 'api'],
    ])
      expect(direct.commandFor(argv), argv.join(' ')).toBeUndefined()
  })
})

// Any AWS call would go to a closed port and fail at once, the same way both ways.
const offline = {
  CI: 'true',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
}
const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => runCli(args, {cwd, env: {...offline, ...env}})

describe('the direct runner prints what oclif prints', () => {
  it('for every command an unknown flag, and bad values, bad configs and the bootstrap files, with and without --json', async () => {
    const cases: {args: string[]; cwd?: string}[] = []
    for (const id of ownIds()) {
      const words = id.split(':')
      cases.push({args: [...words, '--no-such-flag']})
    }
    cases.push(
      {args: ['status', '--json', '--no-such-flag']},
      {args: ['env', 'set', '--json', '--no-such-flag']},
      {args: ['deploy', '--branch', 'bad..name']},
      {args: ['deploy', '--json', '--max-concurrency', '0']},
      {args: ['deploy', '--attach', 'not-an-id', '--branch', 'main']},
      {args: ['status', '--watch', '0']},
      {args: ['status', '--region', 'Mars']},
      {args: ['logs', '--since', 'yesterday-ish']},
      {args: ['logs', '--format', 'xml']},
      {args: ['logs', '--until', '1h', '--follow']},
      {args: ['lock', 'acquire', '--ttl', '5s']},
      {args: ['rollback', '--to', 'no such target!']},
      {args: ['env', 'set']},
      {args: ['history', '--stage', 'nowhere']},
      {args: ['lock:status', '--json', '--stage', 'nowhere']},
      {args: ['validate']},
      {args: ['validate', '--json']},
      {args: ['validate'], cwd: join(dir, 'broken')},
      {args: ['validate', '--json'], cwd: join(dir, 'broken')},
      {args: ['bootstrap', 'systemd'], cwd: join(dir, 'broken')},
      {args: ['bootstrap', 'systemd', '--config', join(dir, 'missing.json')]},
    )
    for (const kind of ['systemd', 'cloudwatch-agent', 'user-data', 'terraform', 'host-scripts', 'pre-commit']) {
      cases.push({args: ['bootstrap', kind]}, {args: ['bootstrap', kind, '--json']})
    }
    let taken = 0
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(
        cases.slice(i, i + 4).map(async ({args, cwd = dir}) => {
          if (direct.commandFor(args)) taken++
          const [viaDirect, viaOclif] = await Promise.all([cli(args, cwd), cli(args, cwd, {UPSC_NO_FAST_PATH: '1'})])
          expect(viaDirect, `upsc ${args.join(' ')}`).toEqual(viaOclif)
        }),
      )
    }
    // The cases above are the direct runner's: each was run both ways.
    expect(taken).toBe(cases.length)
  }, 300_000)
})
