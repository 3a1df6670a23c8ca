// The fake `systemctl`. Unit state lives in FAKE_SYSTEMD_STATE/units.json; the docker unit
// is backed by the fake docker daemon (FAKE_DOCKER_STATE/daemon.json), so `systemctl start
// docker` really brings the daemon up (after its readiness delay).
//
// Known units: docker, containerd, amazon-ssm-agent, plus every unit file found under
// $UPSC_ROOT/etc/systemd/system or $UPSC_ROOT/lib/systemd/system. Other units are "not
// found", as on a real host. Starting a non-docker unit only records it as active: its
// ExecStart is not run.
import {killPoint} from './killpoint.js'
import fs from 'node:fs'
import path from 'node:path'
import {readJson, withFileLock, writeJson} from '../util.js'
import {readDaemon, startDaemon, stateDir as dockerStateDir, stopDaemon} from './docker-state.js'

const BUILTIN = ['docker.service', 'containerd.service', 'amazon-ssm-agent.service']

/** @typedef {{active: boolean, enabled: boolean, activeEnterTimestamp: number | null}} Unit */

class SystemctlError extends Error {
  /** @param {string} message @param {number} code */
  constructor(message, code) {
    super(message)
    this.code = code
  }
}

function systemdDir() {
  const dir = process.env.FAKE_SYSTEMD_STATE
  if (!dir) throw new SystemctlError('fake systemctl: FAKE_SYSTEMD_STATE is not set', 1)
  fs.mkdirSync(dir, {recursive: true})
  return dir
}

const unitsFile = () => path.join(systemdDir(), 'units.json')
/** @returns {Record<string, Unit>} */
const readUnits = () => readJson(unitsFile(), {})

/** "docker" -> "docker.service"; names with a unit suffix stay. @param {string} name */
const unitName = (name) => (/\.(service|timer|socket|target|path|mount)$/.test(name) ? name : `${name}.service`)

/** @param {string} unit */
function unitExists(unit) {
  if (BUILTIN.includes(unit)) return true
  const root = process.env.UPSC_ROOT ?? '/'
  return ['etc/systemd/system', 'lib/systemd/system', 'usr/lib/systemd/system'].some((dir) => fs.existsSync(path.join(root, dir, unit)))
}

/**
 * Current state of a unit; docker's active state comes from the fake daemon.
 * @param {string} unit
 * @returns {Unit}
 */
function unitState(unit) {
  const stored = readUnits()[unit] ?? {active: false, enabled: false, activeEnterTimestamp: null}
  if (unit === 'docker.service') {
    const daemon = readDaemon(dockerStateDir())
    return {...stored, active: daemon.running, activeEnterTimestamp: daemon.running ? daemon.startedAt || stored.activeEnterTimestamp : null}
  }
  return stored
}

/** @param {string} unit @param {Partial<Unit>} patch */
function updateUnit(unit, patch) {
  const file = unitsFile()
  withFileLock(file, () => {
    const units = readUnits()
    units[unit] = {...(units[unit] ?? {active: false, enabled: false, activeEnterTimestamp: null}), ...patch}
    writeJson(file, units)
  })
}

/** "Sat 2026-11-28 18:11:37 UTC", as systemd prints timestamps. @param {number} ms */
function systemdTime(ms) {
  const date = new Date(ms)
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][date.getUTCDay()]
  return `${day} ${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** @param {string} unit @param {string} verb */
function requireUnit(unit, verb) {
  if (!unitExists(unit)) throw new SystemctlError(`Failed to ${verb} ${unit}: Unit ${unit} not found.`, 5)
}

/** @param {string} unit */
async function start(unit) {
  requireUnit(unit, 'start')
  if (unit === 'docker.service') startDaemon(dockerStateDir())
  else if (!unitState(unit).active) updateUnit(unit, {active: true, activeEnterTimestamp: Date.now()})
}

/** @param {string} unit */
async function stop(unit) {
  requireUnit(unit, 'stop')
  if (unit === 'docker.service') await stopDaemon(dockerStateDir())
  else updateUnit(unit, {active: false})
}

/** @param {string} unit */
async function restart(unit) {
  requireUnit(unit, 'restart')
  if (unit === 'docker.service') {
    await stopDaemon(dockerStateDir())
    startDaemon(dockerStateDir(), {restart: true})
  } else updateUnit(unit, {active: true, activeEnterTimestamp: Date.now()})
}

/**
 * @param {string[]} args
 * @returns {Promise<number>}
 */
async function run(args) {
  const flags = new Set(args.filter((a) => a.startsWith('-')))
  const props = []
  const positional = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-p' || args[i] === '--property') props.push(...args[++i].split(','))
    else if (args[i].startsWith('--property=')) props.push(...args[i].slice(11).split(','))
    else if (!args[i].startsWith('-')) positional.push(args[i])
  }
  const allowed = ['-q', '--quiet', '--now', '--no-pager', '--no-block', '--value', '-p', '--property', '--system', '-l', '--full']
  for (const flag of flags) if (!allowed.includes(flag) && !flag.startsWith('--property=')) throw unsupported(args)
  const quiet = flags.has('-q') || flags.has('--quiet')
  const [verb, ...names] = positional
  const units = names.map(unitName)

  switch (verb) {
    case 'daemon-reload':
      return 0
    case 'is-active': {
      let code = 0
      for (const unit of units) {
        const active = unitExists(unit) && unitState(unit).active
        if (!quiet) process.stdout.write(`${active ? 'active' : 'inactive'}\n`)
        if (!active) code = 3
      }
      return code
    }
    case 'is-enabled': {
      let code = 0
      for (const unit of units) {
        if (!unitExists(unit)) {
          process.stderr.write(`Failed to get unit file state for ${unit}: No such file or directory\n`)
          code = 1
          continue
        }
        const enabled = unitState(unit).enabled
        if (!quiet) process.stdout.write(`${enabled ? 'enabled' : 'disabled'}\n`)
        if (!enabled) code = 1
      }
      return code
    }
    case 'start':
      for (const unit of units) await start(unit)
      return 0
    case 'stop':
      for (const unit of units) await stop(unit)
      return 0
    case 'restart':
    case 'try-restart':
    case 'reload-or-restart':
      for (const unit of units) await restart(unit)
      return 0
    case 'enable':
    case 'disable':
      for (const unit of units) {
        if (!unitExists(unit)) throw new SystemctlError(`Failed to ${verb} unit: Unit file ${unit} does not exist.`, 1)
        const enabled = verb === 'enable'
        if (unitState(unit).enabled !== enabled) {
          const link = `/etc/systemd/system/multi-user.target.wants/${unit}`
          process.stderr.write(enabled ? `Created symlink ${link} → /etc/systemd/system/${unit}.\n` : `Removed "${link}".\n`)
        }
        updateUnit(unit, {enabled})
        if (flags.has('--now')) await (enabled ? start(unit) : stop(unit))
      }
      return 0
    case 'show':
      for (const unit of units) show(unit, props, flags.has('--value'))
      return 0
    case 'status': {
      const [unit] = units
      if (!unit || !unitExists(unit)) {
        process.stderr.write(`Unit ${unit} could not be found.\n`)
        return 4
      }
      const state = unitState(unit)
      process.stdout.write(
        `● ${unit}\n     Loaded: loaded (/etc/systemd/system/${unit}; ${state.enabled ? 'enabled' : 'disabled'})\n     Active: ${state.active ? `active (running) since ${systemdTime(state.activeEnterTimestamp ?? Date.now())}` : 'inactive (dead)'}\n`,
      )
      return state.active ? 0 : 3
    }
    default:
      throw unsupported(args)
  }
}

/**
 * `systemctl show -p A -p B [--value] UNIT`.
 * @param {string} unit
 * @param {string[]} props
 * @param {boolean} valueOnly
 */
function show(unit, props, valueOnly) {
  const exists = unitExists(unit)
  const state = unitState(unit)
  /** @type {Record<string, string>} */
  const all = {
    Id: unit,
    LoadState: exists ? 'loaded' : 'not-found',
    ActiveState: exists && state.active ? 'active' : 'inactive',
    SubState: exists && state.active ? 'running' : 'dead',
    UnitFileState: exists ? (state.enabled ? 'enabled' : 'disabled') : '',
    ActiveEnterTimestamp: state.active && state.activeEnterTimestamp ? systemdTime(state.activeEnterTimestamp) : '',
    MainPID: '0',
    NRestarts: '0',
  }
  for (const prop of props.length ? props : Object.keys(all)) {
    const value = all[prop] ?? ''
    process.stdout.write(valueOnly ? `${value}\n` : `${prop}=${value}\n`)
  }
}

/** @param {string[]} args */
const unsupported = (args) => new SystemctlError(`fake systemctl: unsupported: ${args.join(' ')}`, 1)

/** @param {string[]} argv */
export async function main(argv) {
  killPoint('systemctl', argv, 'before')
  try {
    process.exitCode = await run(argv)
    killPoint('systemctl', argv, 'after')
  } catch (error) {
    if (error instanceof SystemctlError) {
      process.stderr.write(`${error.message}\n`)
      process.exitCode = error.code
    } else {
      process.stderr.write(`fake systemctl: internal error: ${/** @type {Error} */ (error).stack}\n`)
      process.exitCode = 1
    }
  }
}
