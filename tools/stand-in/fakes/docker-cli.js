// The fake `docker` CLI. It implements only the forms the remote scripts use (see
// tools/stand-in/README.md); anything else fails loudly with "fake docker: unsupported: ...".
import {killPoint} from './killpoint.js'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import {freePort, sleep} from '../util.js'
import {
  containerState,
  countBuild,
  daemonReady,
  findImage,
  newContainerId,
  newImageId,
  normalizeRef,
  readDaemon,
  readState,
  readTail,
  startContainerProcess,
  stateDir,
  stopContainer,
  tagImage,
  updateState,
} from './docker-state.js'
import {renderFormat} from './go-template.js'

export const SERVER_VERSION = '27.3.1'
export const COMPOSE_VERSION = '2.29.7'
const DAEMON_DOWN = 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'

class DockerError extends Error {
  /** @param {string} message @param {number} [code] */
  constructor(message, code = 1) {
    super(message)
    this.code = code
  }
}

/** @type {string[]} */
let fullArgv = []
const unsupported = () => new DockerError(`fake docker: unsupported: ${fullArgv.join(' ')}`)

/** @param {string} text */
const out = (text) => process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`)
/** @param {string} text */
const err = (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`)

/**
 * Entry point: run and set the exit code (never throws).
 * @param {string[]} argv
 */
export async function main(argv) {
  fullArgv = argv
  killPoint('docker', argv, 'before')
  try {
    process.exitCode = (await run(argv)) ?? 0
    killPoint('docker', argv, 'after')
  } catch (error) {
    if (error instanceof DockerError) {
      err(error.message)
      process.exitCode = error.code
    } else {
      err(`fake docker: internal error: ${/** @type {Error} */ (error).stack}`)
      process.exitCode = 1
    }
  }
}

// ------------------------------------------------------------------ option parsing

/**
 * Parse options by a small spec: keys are space-separated aliases, a trailing "=" means the
 * option takes a value; the value is the canonical name. Unknown options are unsupported.
 * @param {string[]} args
 * @param {Record<string, string>} spec
 * @returns {{opts: Record<string, any>, positional: string[]}}
 */
function parseOptions(args, spec) {
  /** @type {Record<string, {name: string, takesValue: boolean}>} */
  const table = {}
  for (const [aliases, name] of Object.entries(spec)) {
    const takesValue = aliases.endsWith('=')
    for (const alias of aliases.replace(/=$/, '').split(' ')) table[alias] = {name, takesValue}
  }
  /** @type {Record<string, any>} */
  const opts = {}
  const positional = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg)
      continue
    }
    if (arg === '--') {
      positional.push(...args.slice(i + 1))
      break
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const entry = table[flag]
    if (!entry) throw unsupported()
    if (entry.takesValue) {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i]
      if (value === undefined) throw new DockerError(`flag needs an argument: ${flag}`)
      ;(opts[entry.name] ??= []).push(value)
    } else {
      opts[entry.name] = true
    }
  }
  return {opts, positional}
}

/** Last value of a repeatable option. @param {string[] | undefined} values */
const last = (values) => values?.at(-1)

// ------------------------------------------------------------------ top level

/** @param {string[]} argv */
async function run(argv) {
  const [command, ...rest] = argv
  switch (command) {
    case '--version':
    case '-v':
      out(`Docker version ${SERVER_VERSION}, build ce12230`)
      return 0
    case 'info':
      return cmdInfo(rest)
    case 'version':
      return cmdVersion(rest)
    case 'compose':
      return cmdCompose(rest)
    case 'image':
      return cmdImage(rest)
    case 'images':
      return imageLs(rest)
    case 'tag':
      return imageTag(rest)
    case 'rmi':
      return imageRm(rest)
    case 'inspect':
      return cmdInspect(rest)
    case 'builder':
      if (rest[0] === 'prune') return builderPrune(rest.slice(1))
      throw unsupported()
    default:
      throw unsupported()
  }
}

function requireDaemon() {
  if (!daemonReady(stateDir())) throw new DockerError(DAEMON_DOWN)
}

/** @param {string[]} args */
function cmdInfo(args) {
  const {opts} = parseOptions(args, {'-f --format=': 'format'})
  requireDaemon()
  const state = readState(stateDir())
  const running = Object.values(state.containers).filter((c) => containerState(c) === 'running').length
  const info = {
    ServerVersion: SERVER_VERSION,
    Containers: Object.keys(state.containers).length,
    ContainersRunning: running,
    ContainersStopped: Object.keys(state.containers).length - running,
    Images: Object.keys(state.images).length,
    Driver: 'overlay2',
    OperatingSystem: 'Ubuntu 22.04.5 LTS (fake)',
    Name: 'fake-docker',
  }
  const format = last(opts.format)
  if (format) out(renderFormat(format, [info]))
  else out(`Server:\n Server Version: ${SERVER_VERSION}\n Containers: ${info.Containers}\n  Running: ${running}\n Images: ${info.Images}`)
  return 0
}

/** @param {string[]} args */
function cmdVersion(args) {
  const {opts} = parseOptions(args, {'-f --format=': 'format'})
  requireDaemon()
  const version = {
    Client: {Version: SERVER_VERSION, ApiVersion: '1.47', Os: 'linux', Arch: 'amd64'},
    Server: {Version: SERVER_VERSION, ApiVersion: '1.47', Os: 'linux', Arch: 'amd64'},
  }
  const format = last(opts.format)
  if (format) out(renderFormat(format, [version]))
  else out(`Client:\n Version: ${SERVER_VERSION}\n\nServer:\n Engine:\n  Version: ${SERVER_VERSION}`)
  return 0
}

// ------------------------------------------------------------------ compose project

/**
 * @typedef {object} Project
 * @property {string} name
 * @property {string} dir
 * @property {string[]} files
 * @property {Record<string, any>} services
 * @property {Record<string, any>} model
 */

/**
 * Load the compose file(s). They must be JSON (valid YAML, which real compose accepts).
 * @param {{files: string[], project?: string, projectDir?: string}} globals
 * @returns {Project}
 */
function loadProject(globals) {
  const cwd = process.cwd()
  let files = globals.files
  if (files.length === 0 && process.env.COMPOSE_FILE) files = process.env.COMPOSE_FILE.split(':')
  if (files.length === 0) files = [findDefaultComposeFile(globals.projectDir ?? cwd)]
  files = files.map((file) => path.resolve(cwd, file))
  /** @type {Record<string, any>} */
  const model = {services: {}}
  for (const file of files) {
    let text
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      throw new DockerError(`open ${file}: no such file or directory`)
    }
    let parsed
    try {
      parsed = parseComposeText(text)
    } catch (error) {
      // Compose's YAML parser names the line; the fixtures are JSON (valid YAML).
      const at = /position (\d+)/.exec(/** @type {Error} */ (error).message)
      const line = at ? text.slice(0, Number(at[1])).split('\n').length : 1
      throw new DockerError(`yaml: line ${line}: did not find expected node content (fake docker: ${path.basename(file)} must be JSON)`, 15)
    }
    validateModel(file, parsed)
    for (const [name, service] of Object.entries(parsed.services ?? {})) {
      const own = extendService(/** @type {Record<string, any>} */ (service), path.dirname(file))
      model.services[name] = withoutOverrideTags({...model.services[name], ...own})
    }
    if (parsed.name) model.name = parsed.name
  }
  checkDependencies(model.services)
  const dir = globals.projectDir ? path.resolve(cwd, globals.projectDir) : path.dirname(files[0])
  const rawName = globals.project ?? process.env.COMPOSE_PROJECT_NAME ?? model.name ?? path.basename(dir)
  const name = rawName.toLowerCase().replace(/[^a-z0-9_-]/g, '')
  return {name, dir, files, services: model.services, model}
}

const TOP_KEYS = new Set(['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include'])
const SERVICE_KEYS = new Set(
  (
    'annotations attach build cap_add cap_drop cgroup_parent command configs container_name cpu_count cpus depends_on deploy develop ' +
    'devices dns entrypoint env_file environment expose extends extra_hosts healthcheck hostname image init ipc labels links logging ' +
    'mem_limit network_mode networks oom_score_adj pid platform ports privileged profiles pull_policy read_only restart secrets ' +
    'security_opt shm_size stdin_open stop_grace_period stop_signal sysctls tmpfs tty ulimits user volumes working_dir'
  ).split(' '),
)

/**
 * The schema checks compose runs on each file it loads (a subset): unknown top-level and service
 * keys, a service that is not a mapping (depends_on is checked on the merged files). Messages as compose prints
 * them (e.g. docker/docs#15098: `services.volumes Additional property minio is not allowed`).
 * @param {string} file @param {any} model
 */
function validateModel(file, model) {
  const invalid = (/** @type {string} */ what) => new DockerError(`validating ${file}: ${what}`, 15)
  if (typeof model !== 'object' || model === null || Array.isArray(model)) throw invalid('(root) must be a mapping')
  for (const key of Object.keys(model)) if (!TOP_KEYS.has(key) && !key.startsWith('x-')) throw invalid(`(root) Additional property ${key} is not allowed`)
  const services = model.services ?? {}
  for (const [name, service] of Object.entries(services)) {
    if (typeof service !== 'object' || service === null || Array.isArray(service)) throw invalid(`services.${name} must be a mapping`)
    for (const key of Object.keys(service))
      if (!SERVICE_KEYS.has(key) && !key.startsWith('x-')) throw invalid(`services.${name} Additional property ${key} is not allowed`)
  }
}

/** depends_on naming a service the merged files do not define. @param {Record<string, any>} services */
function checkDependencies(services) {
  for (const [name, service] of Object.entries(services)) {
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {})
    for (const dep of deps)
      if (!(dep in services)) throw new DockerError(`service "${name}" depends on undefined service "${dep}": invalid compose project`, 15)
  }
}

/**
 * A service's environment as compose builds it: its `env_file`s (a path, or {path, required}; relative
 * to the project dir; a missing required one fails like compose), then `environment`.
 * @param {Project} project @param {string} name @returns {Record<string, string>}
 */
function serviceEnv(project, name) {
  const service = project.services[name]
  /** @type {Record<string, string>} */
  const env = {}
  const files = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file]
  for (const entry of files) {
    const file = path.resolve(project.dir, typeof entry === 'string' ? entry : entry.path)
    const required = typeof entry === 'string' || entry.required !== false
    let text
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      if (required) throw new DockerError(`env file ${file} not found: stat ${file}: no such file or directory`, 15)
      continue
    }
    for (const line of text.split('\n')) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(line)
      if (m && !line.trimStart().startsWith('#')) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2')
    }
  }
  const environment = service.environment ?? {}
  for (const item of Array.isArray(environment) ? environment : Object.entries(environment).map(([k, v]) => `${k}=${v ?? ''}`)) {
    const [key, ...rest] = String(item).split('=')
    env[key] = rest.join('=')
  }
  return env
}

/**
 * `extends: {file, service}`: the base service from another file, overlaid with this one. Like
 * compose, `ports` lists are merged (not replaced); this fake keys a port by its container port,
 * so a target published twice is kept once. `depends_on` is never inherited.
 * @param {Record<string, any>} service
 * @param {string} dir  the directory of the file that declares it
 * @returns {Record<string, any>}
 */
function extendService(service, dir) {
  if (!service.extends) return service
  const {file, service: baseName} = service.extends
  const baseFile = path.resolve(dir, file ?? '')
  let base
  try {
    base = parseComposeText(fs.readFileSync(baseFile, 'utf8')).services?.[baseName]
  } catch (error) {
    throw new DockerError(`extends: cannot read ${baseFile}: ${/** @type {Error} */ (error).message}`)
  }
  if (!base) throw new DockerError(`cannot extend service "${baseName}" in ${baseFile}: service not found`)
  const {extends: _ignored, ...own} = service
  const {depends_on: _deps, ...inherited} = extendService(base, path.dirname(baseFile))
  const merged = {...inherited, ...own}
  if (inherited.ports && Array.isArray(own.ports)) {
    const seen = new Set()
    merged.ports = [...own.ports, ...inherited.ports].filter((spec) => {
      const key = publishedPorts({ports: [spec]})[0]
      const id = `${key.target}/${key.protocol}`
      return !seen.has(id) && seen.add(id)
    })
  }
  return merged
}

/**
 * JSON, plus compose's `!override` YAML tag before a list (compose 2.24.4+: the list replaces the
 * one it would merge with). The tagged list is read as {"!override": [...]}.
 * @param {string} text
 */
function parseComposeText(text) {
  return JSON.parse(text.replace(/!override\s*(\[[^\]]*\])/g, '{"!override":$1}'))
}

/** Unwrap `!override` lists once merging is done. @param {Record<string, any>} service */
function withoutOverrideTags(service) {
  return Object.fromEntries(Object.entries(service).map(([k, v]) => [k, v && typeof v === 'object' && '!override' in v ? v['!override'] : v]))
}

/** @param {string} dir */
function findDefaultComposeFile(dir) {
  for (let current = dir; ; current = path.dirname(current)) {
    for (const candidate of ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml']) {
      const file = path.join(current, candidate)
      if (fs.existsSync(file)) return file
    }
    if (path.dirname(current) === current) break
  }
  throw new DockerError('no configuration file provided: not found')
}

/** @param {Project} project @param {string} service */
const imageRefOf = (project, service) => normalizeRef(project.services[service].image ?? `${project.name}-${service}`).ref

/** @param {Project} project @param {string} service */
const containerNameOf = (project, service) => project.services[service].container_name ?? `${project.name}-${service}-1`

/**
 * The services named on the command line (all when none), validated.
 * @param {Project} project
 * @param {string[]} names
 */
function selectServices(project, names) {
  if (names.length === 0) return Object.keys(project.services).sort()
  for (const name of names) if (!project.services[name]) throw new DockerError(`no such service: ${name}`)
  return names
}

/**
 * Published ports of a service: "8000:8000", "127.0.0.1:8000:8000", "8000", {target, published}.
 * @param {any} service
 * @returns {{target: number, protocol: string}[]}
 */
function publishedPorts(service) {
  return (service.ports ?? []).map((/** @type {any} */ spec) => {
    if (typeof spec === 'object') return {target: Number(spec.target), protocol: spec.protocol ?? 'tcp'}
    const [ports, protocol = 'tcp'] = String(spec).split('/')
    return {target: Number(ports.split(':').at(-1)), protocol}
  })
}

/** Milliseconds in a compose duration such as "1m30s", "500ms", "2s". @param {string | undefined} text */
function durationMs(text) {
  if (!text) return 0
  let total = 0
  for (const [, amount, unit] of String(text).matchAll(/([\d.]+)(ms|s|m|h)/g)) {
    total += Number(amount) * {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[/** @type {'ms'} */ (unit)]
  }
  return total
}

/** @param {string[]} args */
async function cmdCompose(args) {
  /** @type {{files: string[], project?: string, projectDir?: string}} */
  const globals = {files: []}
  let i = 0
  for (; i < args.length && args[i].startsWith('-'); i++) {
    const [flag, inline] = args[i].startsWith('--') && args[i].includes('=') ? args[i].split(/=(.*)/s) : [args[i], undefined]
    const value = () => inline ?? args[++i]
    if (flag === '-f' || flag === '--file') globals.files.push(value())
    else if (flag === '-p' || flag === '--project-name') globals.project = value()
    else if (flag === '--project-directory') globals.projectDir = value()
    else if (['--ansi', '--progress', '--env-file', '--profile', '--parallel'].includes(flag)) value()
    else if (flag === '--compatibility') continue
    else throw unsupported()
  }
  const [sub, ...rest] = args.slice(i)
  if (sub === 'version') return composeVersion(rest)
  const project = loadProject(globals)
  switch (sub) {
    case 'config':
      return composeConfig(project, rest)
    case 'build':
      requireDaemon()
      return composeBuild(project, rest)
    case 'up':
      requireDaemon()
      return composeUp(project, rest)
    case 'ps':
      requireDaemon()
      return composePs(project, rest)
    case 'logs':
      requireDaemon()
      return composeLogs(project, rest)
    case 'port':
      requireDaemon()
      return composePort(project, rest)
    case 'down':
      requireDaemon()
      return composeDown(project, rest)
    case 'rm':
      requireDaemon()
      return composeRm(project, rest)
    case 'stop':
      requireDaemon()
      return composeStop(project, rest)
    case 'start':
    case 'restart':
      requireDaemon()
      return composeStart(project, rest, sub === 'restart')
    default:
      throw unsupported()
  }
}

/** @param {string[]} args */
function composeVersion(args) {
  const {opts} = parseOptions(args, {'--short': 'short', '-f --format=': 'format'})
  out(opts.short ? COMPOSE_VERSION : `Docker Compose version v${COMPOSE_VERSION}`)
  return 0
}

/** @param {Project} project @param {string[]} args */
function composeConfig(project, args) {
  const {opts, positional} = parseOptions(args, {
    '--services': 'services',
    '--images': 'images',
    '-q --quiet': 'quiet',
    '--format=': 'format',
    '--no-interpolate': 'noInterpolate',
  })
  const names = selectServices(project, positional)
  for (const [name, service] of Object.entries(project.services)) {
    if (typeof service !== 'object' || (!service.image && !service.build)) {
      throw new DockerError(`service "${name}" has neither an image nor a build context specified: invalid compose project`, 15)
    }
    serviceEnv(project, name)
  }
  if (opts.quiet) return 0
  if (opts.services) out(names.join('\n'))
  else if (opts.images) out(names.map((name) => imageRefOf(project, name).replace(/:latest$/, '')).join('\n'))
  else out(JSON.stringify({name: project.name, services: project.services}, null, 2))
  return 0
}

// ------------------------------------------------------------------ build

/**
 * Copy the small files of a build context (what the fake "image" needs: health, VERSION,
 * BUILD_FAIL, BUILD_SLEEP, ...).
 * @param {string} dir
 */
function snapshotContext(dir) {
  /** @type {Record<string, string>} */
  const files = {}
  const walk = (/** @type {string} */ current) => {
    for (const entry of fs.readdirSync(current, {withFileTypes: true})) {
      if (entry.name === '.git' || entry.name === 'node_modules') continue
      const full = path.join(current, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.isFile() && fs.statSync(full).size <= 64 * 1024 && Object.keys(files).length < 200) {
        files[path.relative(dir, full)] = fs.readFileSync(full, 'utf8')
      }
    }
  }
  walk(dir)
  return files
}

/** @param {Project} project @param {string[]} args */
async function composeBuild(project, args) {
  const {positional} = parseOptions(args, {
    '--no-cache': 'noCache',
    '--pull': 'pull',
    '-q --quiet': 'quiet',
    '--progress=': 'progress',
    '--build-arg=': 'buildArg',
    '--parallel': 'parallel',
    '--with-dependencies': 'withDeps',
  })
  await buildServices(project, selectServices(project, positional))
  return 0
}

/**
 * Build the images of the given services, one after the other.
 * @param {Project} project
 * @param {string[]} names
 */
async function buildServices(project, names) {
  const dir = stateDir()
  for (const name of names) {
    const service = project.services[name]
    if (!service.build) continue
    const contextRel = typeof service.build === 'string' ? service.build : (service.build.context ?? '.')
    const context = path.resolve(project.dir, contextRel)
    if (!fs.existsSync(context)) throw new DockerError(`unable to prepare context: path "${context}" not found`, 17)
    const ref = imageRefOf(project, name)
    countBuild(dir, {project: project.name, service: name, image: ref, result: 'started'})
    const files = snapshotContext(context)
    const started = Date.now()
    err(`#0 building with "default" instance using docker driver\n`)
    err(`#1 [${name} internal] load build definition from Dockerfile\n#1 DONE 0.0s\n`)
    err(`#2 [${name} internal] load build context\n#2 DONE 0.0s\n`)
    if (files.BUILD_SLEEP) {
      err(`#3 [${name} 2/3] RUN sleep ${files.BUILD_SLEEP.trim()}\n`)
      await sleep(Number.parseFloat(files.BUILD_SLEEP) * 1000 || 0)
      err(`#3 DONE ${((Date.now() - started) / 1000).toFixed(1)}s\n`)
    }
    if ('BUILD_HOLD' in files) {
      // Held until the test releases it (SandboxHost.releaseBuilds): interrupt tests need a
      // build that is surely still running, however slow the machine.
      err(`#3 [${name} 2/3] RUN wait-for-release\n`)
      while (!fs.existsSync(path.join(dir, 'builds.release'))) await sleep(50)
      err(`#3 DONE ${((Date.now() - started) / 1000).toFixed(1)}s\n`)
    }
    if (readDaemon(dir).diskFull) {
      // The daemon's disk is full (SandboxHost.setDockerState({diskFull: true})): BuildKit's own
      // words when it cannot write a layer (docker/cli#4844).
      const where = `/tmp/containerd-mount${1_000_000_000 + Math.floor(Math.random() * 1_000_000_000)}`
      fs.appendFileSync(
        path.join(dir, 'builds.jsonl'),
        `${JSON.stringify({at: new Date().toISOString(), project: project.name, service: name, image: ref, result: 'failed'})}\n`,
      )
      err(
        `#4 [${name} 2/3] COPY . .\n#4 ERROR: failed to compute cache key: mount callback failed on ${where}: write ${where}/app/VERSION: no space left on device\n`,
      )
      throw new DockerError(
        `failed to solve: failed to compute cache key: mount callback failed on ${where}: write ${where}/app/VERSION: no space left on device`,
        1,
      )
    }
    if ('BUILD_FAIL' in files) {
      const step = 'test ! -f BUILD_FAIL'
      fs.appendFileSync(
        path.join(dir, 'builds.jsonl'),
        `${JSON.stringify({at: new Date().toISOString(), project: project.name, service: name, image: ref, result: 'failed'})}\n`,
      )
      err(`#4 [${name} 3/3] RUN ${step}\n#4 ERROR: process "/bin/sh -c ${step}" did not complete successfully: exit code: 1\n`)
      err(`------\n > [${name} 3/3] RUN ${step}:\n------\n`)
      throw new DockerError(`failed to solve: process "/bin/sh -c ${step}" did not complete successfully: exit code: 1`, 1)
    }
    await updateState(dir, (state) => {
      /** @type {import('./docker-state.js').Image} */
      const image = {
        id: newImageId(),
        tags: [],
        created: Date.now(),
        size: 245_000_000 + Math.floor(Math.random() * 1_000_000),
        files,
        labels: {'com.docker.compose.project': project.name, 'com.docker.compose.service': name},
      }
      state.images[image.id] = image
      tagImage(state, image, ref)
      // BuildKit keeps cache records per build: what `builder prune` removes.
      ;(state.buildCache ??= []).push({id: newImageId().slice(7, 32), size: 80_000_000 + Math.floor(Math.random() * 1_000_000), lastUsed: Date.now()})
      err(`#5 exporting to image\n#5 writing image ${image.id} done\n#5 naming to docker.io/library/${ref} done\n#5 DONE 0.1s\n`)
    })
    fs.appendFileSync(
      path.join(dir, 'builds.jsonl'),
      `${JSON.stringify({at: new Date().toISOString(), project: project.name, service: name, image: ref, result: 'ok'})}\n`,
    )
    err(` Service ${name}  Built\n`)
  }
}

// ------------------------------------------------------------------ up / start / stop / down

/** @param {Project} project @param {string[]} args */
async function composeUp(project, args) {
  const {opts, positional} = parseOptions(args, {
    '-d --detach': 'detach',
    '--remove-orphans': 'removeOrphans',
    '--no-build': 'noBuild',
    '--build': 'build',
    '--force-recreate': 'forceRecreate',
    '--no-recreate': 'noRecreate',
    '--no-deps': 'noDeps',
    '--wait': 'wait',
    '--wait-timeout=': 'waitTimeout',
    '--quiet-pull': 'quietPull',
    '--pull=': 'pull',
    '-t --timeout=': 'timeout',
    '--no-color': 'noColor',
  })
  // Attached `up` would stream logs forever: the scripts must not use it.
  if (!opts.detach && !opts.wait) throw unsupported()
  const names = selectServices(project, positional)
  const dir = stateDir()

  // Like compose: build images that are missing (or all with --build), unless --no-build.
  if (!opts.noBuild) {
    const state = readState(dir)
    const toBuild = names.filter((name) => project.services[name].build && (opts.build || !findImage(state, imageRefOf(project, name))))
    await buildServices(project, toBuild)
  }

  await updateState(dir, async (state) => {
    for (const name of names) await upService(state, project, name, opts)
    if (opts.removeOrphans) await removeOrphans(state, project)
  })

  if (opts.wait) await waitHealthy(project, names, durationMs(`${last(opts.waitTimeout) ?? 60}s`))
  return 0
}

/**
 * Create or update the container of one service.
 * @param {import('./docker-state.js').State} state
 * @param {Project} project
 * @param {string} name
 * @param {Record<string, any>} opts
 */
async function upService(state, project, name, opts) {
  const ref = imageRefOf(project, name)
  const image = findImage(state, ref)
  if (!image) throw new DockerError(`Error response from daemon: No such image: ${ref}`)
  const containerName = containerNameOf(project, name)
  const existing = state.containers[containerName]
  const running = existing && containerState(existing) === 'running'

  // Compose recreates a container whose configuration changed: here, its image or its environment.
  const env = serviceEnv(project, name)
  const sameEnv = existing && JSON.stringify(existing.env ?? {}) === JSON.stringify(env)
  if (existing && existing.imageId === image.id && sameEnv && !opts.forceRecreate) {
    if (running) {
      err(` Container ${containerName}  Running`)
      return
    }
    // Same image, stopped: start the same container again.
    err(` Container ${containerName}  Starting`)
    await startWithPorts(state, existing, project, name)
    err(` Container ${containerName}  Started`)
    return
  }
  if (existing && opts.noRecreate && running) {
    err(` Container ${containerName}  Running`)
    return
  }
  if (existing) {
    err(` Container ${containerName}  Recreate`)
    await stopContainer(existing)
    fs.rmSync(existing.dir, {recursive: true, force: true})
    err(` Container ${containerName}  Recreated`)
  } else {
    err(` Container ${containerName}  Creating`)
    err(` Container ${containerName}  Created`)
  }
  const container = newContainer(project, name, ref, image)
  container.env = env
  // The process reads its environment from this file (fake-service.js).
  fs.writeFileSync(
    path.join(container.dir, 'fs', '.container-env'),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    {mode: 0o600},
  )
  state.containers[containerName] = container
  err(` Container ${containerName}  Starting`)
  await startWithPorts(state, container, project, name)
  err(` Container ${containerName}  Started`)
}

/**
 * A new container record for a service, with the image's files as its filesystem.
 * @param {Project} project
 * @param {string} name
 * @param {string} ref
 * @param {import('./docker-state.js').Image} image
 * @returns {import('./docker-state.js').Container}
 */
function newContainer(project, name, ref, image) {
  const service = project.services[name]
  const id = newContainerId()
  const dir = path.join(stateDir(), 'containers', id)
  // The container's filesystem: the files of its image (health, VERSION, ...).
  for (const [file, content] of Object.entries(image.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'fs', file)), {recursive: true})
    fs.writeFileSync(path.join(dir, 'fs', file), content)
  }
  fs.mkdirSync(path.join(dir, 'fs'), {recursive: true})
  const healthcheck = service.healthcheck && !service.healthcheck.disable ? {startPeriodMs: durationMs(service.healthcheck.start_period)} : null
  return {
    id,
    name: containerNameOf(project, name),
    project: project.name,
    service: name,
    image: ref,
    imageId: image.id,
    created: Date.now(),
    startedAt: 0,
    finishedAt: null,
    pid: null,
    state: 'created',
    exitCode: 0,
    publishers: publishedPorts(service).map((p) => ({...p, published: 0})),
    ports: [],
    healthcheck,
    restartCount: 0,
    dir,
    logging: service.logging ?? null,
  }
}

/**
 * Start a container's process on its host ports. Published ports are allocated once per
 * host and reused, so a service keeps its address across re-deploys.
 * @param {import('./docker-state.js').State} state
 * @param {import('./docker-state.js').Container} container
 * @param {Project} project
 * @param {string} name
 */
async function startWithPorts(state, container, project, name) {
  for (let attempt = 0; ; attempt++) {
    for (const publisher of container.publishers) {
      const key = `${project.name}/${name}/${publisher.target}/${publisher.protocol}`
      if (!state.ports[key] || attempt > 0) state.ports[key] = await freePort()
      publisher.published = state.ports[key]
    }
    const ports = container.publishers.length ? container.publishers.map((p) => p.published) : [0]
    try {
      await startContainerProcess(container, ports)
      return
    } catch (error) {
      // Only a lost race for a port is worth retrying.
      if (attempt >= 2 || !/EADDRINUSE/.test(String(error))) {
        throw new DockerError(`Error response from daemon: ${/** @type {Error} */ (error).message}`)
      }
    }
  }
}

/**
 * @param {import('./docker-state.js').State} state
 * @param {Project} project
 */
async function removeOrphans(state, project) {
  for (const [key, container] of Object.entries(state.containers)) {
    if (container.project !== project.name || project.services[container.service]) continue
    err(` Container ${container.name}  Stopping`)
    await stopContainer(container)
    fs.rmSync(container.dir, {recursive: true, force: true})
    delete state.containers[key]
    err(` Container ${container.name}  Removed`)
  }
}

/**
 * `up --wait`: wait until every selected container runs and, if it has a healthcheck, is
 * healthy. An unhealthy container fails at once.
 * @param {Project} project
 * @param {string[]} names
 * @param {number} timeoutMs
 */
async function waitHealthy(project, names, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const state = readState(stateDir())
    let pending = false
    for (const name of names) {
      const container = state.containers[containerNameOf(project, name)]
      if (!container || containerState(container) !== 'running') {
        throw new DockerError(`container ${containerNameOf(project, name)} exited (${container?.exitCode ?? 1})`)
      }
      const health = await healthOf(container)
      if (health === 'unhealthy') throw new DockerError(`container ${container.name} is unhealthy`)
      if (health === 'starting') pending = true
    }
    if (!pending) return
    if (Date.now() > deadline) throw new DockerError(`timeout waiting for services to be healthy`)
    await sleep(200)
  }
}

/**
 * Containers of the project, optionally limited to some services.
 * @param {import('./docker-state.js').State} state
 * @param {Project} project
 * @param {string[]} names  empty = all
 */
function projectContainers(state, project, names) {
  return Object.values(state.containers)
    .filter((c) => c.project === project.name && (names.length === 0 || names.includes(c.service)))
    .sort((a, b) => a.service.localeCompare(b.service))
}

/** @param {Project} project @param {string[]} args */
async function composeStop(project, args) {
  const {positional} = parseOptions(args, {'-t --timeout=': 'timeout'})
  const names = positional.length ? selectServices(project, positional) : []
  await updateState(stateDir(), async (state) => {
    for (const container of projectContainers(state, project, names)) {
      err(` Container ${container.name}  Stopping`)
      await stopContainer(container)
      err(` Container ${container.name}  Stopped`)
    }
  })
  return 0
}

/** @param {Project} project @param {string[]} args @param {boolean} restart */
async function composeStart(project, args, restart) {
  const {positional} = parseOptions(args, {'-t --timeout=': 'timeout', '--no-deps': 'noDeps'})
  const names = positional.length ? selectServices(project, positional) : []
  await updateState(stateDir(), async (state) => {
    for (const container of projectContainers(state, project, names)) {
      if (containerState(container) === 'running') {
        if (!restart) continue
        err(` Container ${container.name}  Restarting`)
        await stopContainer(container)
      } else {
        err(` Container ${container.name}  Starting`)
      }
      await startWithPorts(state, container, project, container.service)
      err(` Container ${container.name}  Started`)
    }
  })
  return 0
}

/**
 * `rm -f [-s] [SERVICE...]`: remove the services' stopped containers (`-s`: stop running ones
 * first); running ones stay. Prints `Going to remove …`, or `No stopped containers`, as compose does.
 * @param {Project} project @param {string[]} args
 */
async function composeRm(project, args) {
  const {opts, positional} = parseOptions(args, {'-s --stop': 'stop', '-f --force': 'force', '-v --volumes': 'volumes'})
  if (!opts.force) throw unsupported() // would prompt for confirmation
  const names = positional.length ? selectServices(project, positional) : []
  await updateState(stateDir(), async (state) => {
    const doomed = projectContainers(state, project, names).filter((c) => opts.stop || containerState(c) !== 'running')
    if (doomed.length === 0) {
      err('No stopped containers')
      return
    }
    out(`Going to remove ${doomed.map((c) => c.name).join(', ')}`)
    for (const container of doomed) await removeContainer(state, container)
  })
  return 0
}

/** @param {Project} project @param {string[]} args */
async function composeDown(project, args) {
  parseOptions(args, {'--remove-orphans': 'removeOrphans', '-v --volumes': 'volumes', '-t --timeout=': 'timeout', '--rmi=': 'rmi'})
  await updateState(stateDir(), async (state) => {
    for (const container of projectContainers(state, project, [])) await removeContainer(state, container)
  })
  err(` Network ${project.name}_default  Removed`)
  return 0
}

/**
 * Stop a container (when it runs) and remove it.
 * @param {import('./docker-state.js').State} state
 * @param {import('./docker-state.js').Container} container
 */
async function removeContainer(state, container) {
  if (containerState(container) === 'running') {
    err(` Container ${container.name}  Stopping`)
    await stopContainer(container)
  }
  err(` Container ${container.name}  Removing`)
  fs.rmSync(container.dir, {recursive: true, force: true})
  delete state.containers[container.name]
  err(` Container ${container.name}  Removed`)
}

// ------------------------------------------------------------------ ps / logs / port

/**
 * GET a path on a loopback port; resolves to the status code, or 0 when nothing answers.
 * @param {number} port
 * @param {string} urlPath
 * @param {number} timeoutMs
 * @returns {Promise<number>}
 */
function httpStatus(port, urlPath, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({host: '127.0.0.1', port, path: urlPath, timeout: timeoutMs, agent: false}, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(0))
  })
}

/**
 * Live health of a container, the way the healthcheck would see it right now.
 * @param {import('./docker-state.js').Container} container
 * @returns {Promise<'' | 'healthy' | 'unhealthy' | 'starting'>}
 */
async function healthOf(container) {
  if (!container.healthcheck || containerState(container) !== 'running') return ''
  const code = await httpStatus(container.ports[0], '/health', 2000)
  if (code >= 200 && code < 400) return 'healthy'
  if (Date.now() - container.startedAt < container.healthcheck.startPeriodMs) return 'starting'
  return 'unhealthy'
}

/** Docker's human durations: "Less than a second", "5 seconds", "About a minute", ... @param {number} ms */
export function humanDuration(ms) {
  const seconds = Math.round(ms / 1000)
  if (seconds < 1) return 'Less than a second'
  if (seconds === 1) return '1 second'
  if (seconds < 60) return `${seconds} seconds`
  const minutes = Math.round(seconds / 60)
  if (minutes === 1) return 'About a minute'
  if (minutes < 60) return `${minutes} minutes`
  const hours = Math.round(seconds / 3600)
  if (hours === 1) return 'About an hour'
  if (hours < 48) return `${hours} hours`
  return `${Math.round(hours / 24)} days`
}

/** Docker's CreatedAt format: "2026-11-28 18:11:37 +0000 UTC". @param {number} ms */
export function dockerTime(ms) {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`
}

/**
 * The row `docker compose ps` formats for one container. In templates `.Publishers` is a
 * string ("127.0.0.1:49153->8000/tcp"); `{{json .}}` gives the structured array.
 * @param {import('./docker-state.js').Container} container
 * @param {boolean} noTrunc
 */
async function psRow(container, noTrunc) {
  const state = containerState(container)
  const health = await healthOf(container)
  const now = Date.now()
  const status =
    state === 'running'
      ? `Up ${humanDuration(now - container.startedAt)}${health ? ` (${health})` : ''}`
      : state === 'created'
        ? 'Created'
        : `Exited (${container.exitCode}) ${humanDuration(now - (container.finishedAt ?? now))} ago`
  const publishers = container.publishers.map((p) => ({URL: '127.0.0.1', TargetPort: p.target, PublishedPort: p.published, Protocol: p.protocol}))
  const portsText = publishers.map((p) => `${p.URL}:${p.PublishedPort}->${p.TargetPort}/${p.Protocol}`).join(', ')
  const row = {
    ID: noTrunc ? container.id : container.id.slice(0, 12),
    Name: container.name,
    Names: container.name,
    Service: container.service,
    Project: container.project,
    Image: container.image.replace(/:latest$/, ''),
    Command: '"node server.js"',
    CreatedAt: dockerTime(container.created),
    RunningFor: `${humanDuration(now - container.created)} ago`,
    State: state === 'created' ? 'created' : state,
    Health: health,
    Status: status,
    ExitCode: state === 'running' ? 0 : container.exitCode,
    Publishers: portsText,
    Ports: portsText,
    Labels: `com.docker.compose.project=${container.project},com.docker.compose.service=${container.service}`,
    LocalVolumes: '0',
    Mounts: '',
    Networks: `${container.project}_default`,
    Size: '0B',
  }
  Object.defineProperty(row, 'toJSON', {enumerable: false, value: () => ({...row, Publishers: publishers})})
  return row
}

/** @param {Project} project @param {string[]} args */
async function composePs(project, args) {
  const {opts, positional} = parseOptions(args, {
    '-a --all': 'all',
    '--format=': 'format',
    '-q --quiet': 'quiet',
    '--services': 'services',
    '--status=': 'status',
    '--filter=': 'filter',
    '--no-trunc': 'noTrunc',
    '--orphans': 'orphans',
  })
  const names = positional.length ? selectServices(project, positional) : []
  const statuses = [...(opts.status ?? []), ...(opts.filter ?? []).map((/** @type {string} */ f) => f.replace(/^status=/, ''))]
  const state = readState(stateDir())
  const containers = projectContainers(state, project, names).filter((c) => {
    const current = containerState(c)
    if (statuses.length) return statuses.includes(current)
    return opts.all || current === 'running'
  })
  if (opts.quiet) return (out(containers.map((c) => c.id).join('\n')), 0)
  if (opts.services) return (out(containers.map((c) => c.service).join('\n')), 0)
  const rows = await Promise.all(containers.map((c) => psRow(c, Boolean(opts.noTrunc))))
  const format = last(opts.format) ?? 'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}'
  process.stdout.write(renderFormat(format === 'table' ? 'table {{.Name}}\t{{.Image}}\t{{.Service}}\t{{.Status}}\t{{.Ports}}' : format, rows))
  return 0
}

/** @param {Project} project @param {string[]} args */
function composeLogs(project, args) {
  const {opts, positional} = parseOptions(args, {
    '--no-color': 'noColor',
    '--tail=': 'tail',
    '-n=': 'tail',
    '--no-log-prefix': 'noPrefix',
    '-t --timestamps': 'timestamps',
    '--since=': 'since',
  })
  const names = positional.length ? selectServices(project, positional) : []
  const tailText = last(opts.tail) ?? 'all'
  const tail = tailText === 'all' ? -1 : Number(tailText)
  const containers = projectContainers(readState(stateDir()), project, names)
  const width = Math.max(0, ...containers.map((c) => `${c.service}-1`.length))
  for (const container of containers) {
    const prefix = opts.noPrefix ? '' : `${`${container.service}-1`.padEnd(width)}  | `
    for (const line of readTail(path.join(container.dir, 'service.log'), tail)) out(`${prefix}${line}`)
  }
  return 0
}

/** @param {Project} project @param {string[]} args */
function composePort(project, args) {
  const {positional} = parseOptions(args, {'--protocol=': 'protocol', '--index=': 'index'})
  const [service, portText] = positional
  if (!service || !portText) throw unsupported()
  selectServices(project, [service])
  const container = readState(stateDir()).containers[containerNameOf(project, service)]
  if (!container) throw new DockerError(`service "${service}" is not running`)
  const target = Number(portText.split('/')[0])
  const publisher = container.publishers.find((p) => p.target === target)
  if (!publisher) throw new DockerError(`no port ${target}/tcp for container ${container.name}: `)
  out(`127.0.0.1:${publisher.published}`)
  return 0
}

// ------------------------------------------------------------------ images

/** @param {string[]} args */
function cmdImage(args) {
  const [sub, ...rest] = args
  switch (sub) {
    case 'ls':
    case 'list':
      return imageLs(rest)
    case 'tag':
      return imageTag(rest)
    case 'rm':
    case 'remove':
      return imageRm(rest)
    case 'inspect':
      return imageInspect(rest)
    case 'prune':
      return imagePrune(rest)
    default:
      throw unsupported()
  }
}

/**
 * Docker's reference filter: a glob (path.Match: `*` and `?` do not cross "/") matched
 * against "repo:tag", or against "repo" when the pattern has no tag.
 * @param {string} pattern
 * @param {string} repository
 * @param {string} tag
 */
function referenceMatches(pattern, repository, tag) {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch === '[' || ch === ']' ? ch : ch.replace(/[.+^${}()|\\]/g, '\\$&')))
    .join('')
  const regex = new RegExp(`^${source}$`)
  return regex.test(`${repository}:${tag}`) || regex.test(repository)
}

/**
 * Human size with 3 significant digits, decimal units, as docker prints it ("245MB").
 * @param {number} bytes
 */
function humanSize(bytes) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`
}

/** @param {string[]} args */
function imageLs(args) {
  requireDaemon()
  const {opts, positional} = parseOptions(args, {
    '--format=': 'format',
    '-f --filter=': 'filter',
    '-q --quiet': 'quiet',
    '-a --all': 'all',
    '--no-trunc': 'noTrunc',
    '--digests': 'digests',
  })
  /** @type {string[]} */
  const references = [...positional]
  /** @type {boolean | undefined} */
  let dangling
  for (const filter of opts.filter ?? []) {
    const [key, value] = filter.split(/=(.*)/s)
    if (key === 'reference') references.push(value)
    else if (key === 'dangling') dangling = value === 'true'
    else throw unsupported()
  }
  const state = readState(stateDir())
  const images = Object.values(state.images).sort((a, b) => b.created - a.created)
  const rows = []
  for (const image of images) {
    if (dangling === true && image.tags.length) continue
    if (dangling === false && !image.tags.length) continue
    const pairs = image.tags.length ? image.tags.map(normalizeRef) : [{repository: '<none>', tag: '<none>'}]
    for (const {repository, tag} of pairs) {
      if (references.length && (repository === '<none>' || !references.some((p) => referenceMatches(p, repository, tag)))) continue
      rows.push({
        Containers: 'N/A',
        CreatedAt: dockerTime(image.created),
        CreatedSince: `${humanDuration(Date.now() - image.created)} ago`,
        Digest: '<none>',
        ID: opts.noTrunc ? image.id : image.id.slice(7, 19),
        Repository: repository,
        SharedSize: 'N/A',
        Size: humanSize(image.size),
        Tag: tag,
        UniqueSize: 'N/A',
        VirtualSize: humanSize(image.size),
      })
    }
  }
  if (opts.quiet) return (out(rows.map((row) => row.ID).join('\n')), 0)
  const format = last(opts.format) ?? 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
  process.stdout.write(renderFormat(format, rows))
  return 0
}

/** @param {string[]} args */
async function imageTag(args) {
  requireDaemon()
  const {positional} = parseOptions(args, {})
  if (positional.length !== 2) throw unsupported()
  const [source, target] = positional
  await updateState(stateDir(), (state) => {
    const image = findImage(state, source)
    if (!image) throw new DockerError(`Error response from daemon: No such image: ${source}`)
    tagImage(state, image, target)
  })
  return 0
}

/** @param {string[]} args */
async function imageRm(args) {
  requireDaemon()
  const {opts, positional} = parseOptions(args, {'-f --force': 'force', '--no-prune': 'noPrune'})
  if (positional.length === 0) throw unsupported()
  let code = 0
  await updateState(stateDir(), (state) => {
    for (const arg of positional) {
      const image = findImage(state, arg)
      if (!image) {
        err(`Error response from daemon: No such image: ${arg}`)
        code = 1
        continue
      }
      const ref = normalizeRef(arg).ref
      const byTag = image.tags.includes(ref)
      // Removing one of several tags only untags, even if a container uses the image.
      if (byTag && image.tags.length > 1) {
        image.tags = image.tags.filter((tag) => tag !== ref)
        out(`Untagged: ${ref}`)
        continue
      }
      const users = Object.values(state.containers).filter((c) => c.imageId === image.id)
      const runningUser = users.find((c) => containerState(c) === 'running')
      const shortId = image.id.slice(7, 19)
      if (!byTag && image.tags.length > 1 && !opts.force) {
        err(`Error response from daemon: conflict: unable to delete ${shortId} (must be forced) - image is referenced in multiple repositories`)
        code = 1
        continue
      }
      if (users.length && (!opts.force || (runningUser && !byTag))) {
        const user = runningUser ?? users[0]
        err(
          runningUser && opts.force
            ? `Error response from daemon: conflict: unable to delete ${shortId} (cannot be forced) - image is being used by running container ${user.id.slice(0, 12)}`
            : `Error response from daemon: conflict: unable to remove repository reference "${arg}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${shortId}`,
        )
        code = 1
        continue
      }
      for (const tag of image.tags) out(`Untagged: ${tag}`)
      if (runningUser) {
        // Forced removal of the last tag of an image in use: it stays, dangling.
        image.tags = []
        continue
      }
      delete state.images[image.id]
      out(`Deleted: ${image.id}`)
    }
  })
  return code
}

/**
 * The object `docker image inspect` prints.
 * @param {import('./docker-state.js').Image} image
 */
function imageObject(image) {
  return {
    Id: image.id,
    RepoTags: image.tags,
    RepoDigests: [],
    Created: new Date(image.created).toISOString(),
    Size: image.size,
    Architecture: 'amd64',
    Os: 'linux',
    Config: {Labels: image.labels, Cmd: ['node', 'server.js']},
  }
}

/** @param {string[]} args */
function imageInspect(args) {
  requireDaemon()
  const {opts, positional} = parseOptions(args, {'-f --format=': 'format'})
  if (positional.length === 0) throw unsupported()
  const state = readState(stateDir())
  const found = []
  let code = 0
  for (const arg of positional) {
    const image = findImage(state, arg)
    if (image) found.push(imageObject(image))
    else {
      code = 1
      err(`Error: No such image: ${arg}`)
    }
  }
  const format = last(opts.format)
  if (format) process.stdout.write(renderFormat(format, found))
  else out(JSON.stringify(found, null, 4))
  return code
}

/** @param {string[]} args */
async function imagePrune(args) {
  requireDaemon()
  const {opts} = parseOptions(args, {'-f --force': 'force'})
  if (!opts.force) throw unsupported() // would prompt for confirmation
  let reclaimed = 0
  /** @type {string[]} */
  const deleted = []
  await updateState(stateDir(), (state) => {
    for (const image of Object.values(state.images)) {
      const used = Object.values(state.containers).some((c) => c.imageId === image.id)
      if (image.tags.length || used) continue
      delete state.images[image.id]
      deleted.push(image.id)
      reclaimed += image.size
    }
  })
  if (deleted.length) out(`Deleted Images:\n${deleted.map((id) => `deleted: ${id}`).join('\n')}\n`)
  out(`Total reclaimed space: ${humanSize(reclaimed)}`)
  return 0
}

/**
 * `docker builder prune -f [--keep-storage SIZE]`: the least recently used cache records go until
 * the rest fits in SIZE (all without it); docker prints each record, then `Total:\t<size>`.
 * @param {string[]} args
 */
async function builderPrune(args) {
  requireDaemon()
  const {opts} = parseOptions(args, {'-f --force': 'force', '-a --all': 'all', '--keep-storage=': 'keep'})
  if (!opts.force) throw unsupported() // would prompt for confirmation
  const keep = last(opts.keep) === undefined ? 0 : parseSize(/** @type {string} */ (last(opts.keep)))
  let reclaimed = 0
  /** @type {string[]} */
  const lines = []
  await updateState(stateDir(), (state) => {
    const cache = (state.buildCache ?? []).sort((a, b) => a.lastUsed - b.lastUsed)
    let total = cache.reduce((sum, r) => sum + r.size, 0)
    while (cache.length && total > keep) {
      const record = /** @type {{id: string, size: number}} */ (cache.shift())
      total -= record.size
      reclaimed += record.size
      lines.push(`${record.id}\ttrue \t${humanSize(record.size)}`)
    }
    state.buildCache = cache
  })
  if (lines.length) out(`ID\t\t\t\t\t\tRECLAIMABLE\tSIZE\n${lines.join('\n')}`)
  out(`Total:\t${humanSize(reclaimed)}`)
  return 0
}

/** "5GB", "500MB", "1.5gb", "1024" (bytes) -> bytes, decimal units as docker's go-units. @param {string} text */
function parseSize(text) {
  const m = /^([\d.]+)\s*([kmgt]?i?b?)?$/i.exec(text.trim())
  if (!m) throw new DockerError(`invalid size: '${text}'`)
  const unit = (m[2] ?? '').toLowerCase().replace(/i?b$/, '')
  return Math.round(Number(m[1]) * {'': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12}[/** @type {'k'} */ (unit)])
}

// ------------------------------------------------------------------ inspect

/**
 * The object `docker inspect` prints for a container.
 * @param {import('./docker-state.js').Container} container
 */
async function containerObject(container) {
  const state = containerState(container)
  const health = await healthOf(container)
  return {
    Id: container.id,
    Name: `/${container.name}`,
    Created: new Date(container.created).toISOString(),
    State: {
      Status: state,
      Running: state === 'running',
      Pid: state === 'running' ? container.pid : 0,
      ExitCode: state === 'running' ? 0 : container.exitCode,
      StartedAt: new Date(container.startedAt || container.created).toISOString(),
      FinishedAt: container.finishedAt ? new Date(container.finishedAt).toISOString() : '0001-01-01T00:00:00Z',
      ...(container.healthcheck ? {Health: {Status: health, FailingStreak: health === 'unhealthy' ? 1 : 0}} : {}),
    },
    Image: container.imageId,
    RestartCount: container.restartCount,
    Config: {
      Image: container.image.replace(/:latest$/, ''),
      Labels: {'com.docker.compose.project': container.project, 'com.docker.compose.service': container.service},
    },
    NetworkSettings: {
      Ports: Object.fromEntries(container.publishers.map((p) => [`${p.target}/${p.protocol}`, [{HostIp: '127.0.0.1', HostPort: String(p.published)}]])),
    },
  }
}

/** @param {string[]} args */
async function cmdInspect(args) {
  requireDaemon()
  const {opts, positional} = parseOptions(args, {'-f --format=': 'format', '--type=': 'type'})
  if (positional.length === 0) throw unsupported()
  const state = readState(stateDir())
  const found = []
  let code = 0
  for (const arg of positional) {
    const container = Object.values(state.containers).find((c) => c.name === arg || c.id.startsWith(arg))
    const image = container ? undefined : findImage(state, arg)
    if (container && last(opts.type) !== 'image') found.push(await containerObject(container))
    else if (image && last(opts.type) !== 'container') found.push(imageObject(image))
    else {
      code = 1
      err(`Error: No such object: ${arg}`)
    }
  }
  const format = last(opts.format)
  if (format) process.stdout.write(renderFormat(format, found))
  else out(JSON.stringify(found, null, 4))
  return code
}
