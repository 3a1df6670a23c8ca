import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, relative, resolve, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

import {
  type AlertsConfig,
  type ConfigFileInput,
  type DeployConfig,
  type HealthCheckConfig,
  type HooksConfig,
  type InstanceSelector,
  type MetricsConfig,
  type NotifyConfig,
  type PruneConfig,
  type RetryPolicy,
  type Timeouts,
  validateConfig,
} from './schema.js'
import {usageError} from '../errors/upsc-error.js'

export const CONFIG_FILE_NAME = 'upsc.config.json'

/** The JSON Schema of the config, shipped in the package (generated from config-schema.ts). */
export const SCHEMA_FILE = fileURLToPath(new URL('../../schema/upsc.config.schema.json', import.meta.url))

/** Pure: the `$schema` to write into a config at `configFile`: a path relative to it, as editors resolve it. */
export function schemaReference(configFile: string, schemaFile = SCHEMA_FILE): string {
  const rel = relative(dirname(configFile), schemaFile).split(sep).join('/')
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** A stage with every default applied: what the rest of the code works with. */
export interface StageConfig {
  name: string
  region?: string
  profile?: string
  instances: InstanceSelector
  appDir: string
  upscHome: string
  composeFile: string
  composeProject?: string
  defaultBranch: string
  buildCommand?: string[]
  healthChecks: HealthCheckConfig[]
  logGroup: string
  logStreams: Record<string, string>
  runCommandLogGroup: string
  githubTokenParameter?: string
  /** The app's repository, cloned by the bootstrap (https: the token travels as an HTTP header). */
  repoUrl: string
  /** SSM parameter holding the app's .env, written into appDir by the bootstrap. */
  envParameter?: string
  units: string[]
  keepImages: number
  minFreeDiskPercent: number
  timeouts: Timeouts
  retry: RetryPolicy
  notify: NotifyConfig
  metrics: MetricsConfig
  /** Commands run on the host around a deploy or rollback. */
  hooks: HooksConfig
  prune: PruneConfig
  deploy: DeployConfig
  alerts: AlertsConfig
  /** agent: the containers' JSON files, one stream; awslogs: a stream per compose service (docs/HOST-SIGNALS.md). */
  containerLogs: 'agent' | 'awslogs'
}

export interface LoadedConfig {
  /** Where the config came from, for messages. */
  file: string
  /** No file: the built-in stage (see BUILT_IN_STAGE). */
  builtIn?: boolean
  defaultStage: string
  stages: Record<string, StageConfig>
}

/** The defaults reproduce the existing stage2 setup, so a minimal config is a region and an instance selector. */
export function stageDefaults(name: string): Omit<StageConfig, 'name' | 'instances'> {
  return {
    appDir: '/opt/upscpro/upscapp-be',
    upscHome: '/opt/upscpro/.upsc',
    composeFile: 'docker-compose.yml',
    defaultBranch: 'main',
    repoUrl: 'https://github.com/upscpro/upscapp-be.git',
    healthChecks: [{name: 'api', url: 'http://localhost:8000/health', expectStatus: 200}],
    logGroup: `/aws/ec2/upscpro-${name}-docker`,
    logStreams: {'user-data': '{instance_id}/user-data', deploy: '{instance_id}/deploy'},
    runCommandLogGroup: '/aws/ssm/AWS-RunShellScript',
    units: ['upscpro-deploy.service', 'upscpro-monitor.timer'],
    keepImages: 5,
    minFreeDiskPercent: 10,
    timeouts: {dockerReadySeconds: 120, healthSeconds: 120, commandSeconds: 3600, deliverySeconds: 600, cancelSeconds: 60},
    retry: {tries: 3, baseSeconds: 2},
    notify: {onSuccess: false},
    metrics: {enabled: true},
    hooks: {},
    prune: {buildCacheKeep: '5GB', onLowDisk: false},
    deploy: {strategy: 'inPlace'},
    alerts: {maxPerHour: 6, restartLoop: 3},
    containerLogs: 'agent',
  }
}

/** Pure: a validated file -> stages with defaults applied. */
export function resolveStages(input: ConfigFileInput, file: string): LoadedConfig {
  const stages: Record<string, StageConfig> = {}
  for (const [name, s] of Object.entries(input.stages)) {
    const d = stageDefaults(name)
    stages[name] = {
      ...d,
      ...s,
      name,
      instances: s.instances ?? {tags: {Name: `upscpro-${name}-docker`}},
      healthChecks: (s.healthChecks ?? d.healthChecks).map((h) => ({...h, expectStatus: h.expectStatus ?? 200})),
      logStreams: s.logStreams ?? d.logStreams,
      timeouts: {...d.timeouts, ...s.timeouts},
      retry: {...d.retry, ...s.retry},
      notify: {...d.notify, ...s.notify},
      metrics: {...d.metrics, ...s.metrics},
      prune: {...d.prune, ...s.prune},
      alerts: {...d.alerts, ...s.alerts},
    }
  }
  const names = Object.keys(stages)
  return {file, stages, defaultStage: input.defaultStage ?? (names.length === 1 ? names[0]! : '')}
}

/** Pure: JSON text -> config, or a usage error naming the file, the key path and what is expected. */
export function parseConfig(text: string, file: string): LoadedConfig {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw usageError('config-syntax', `${file} is not valid JSON: ${(error as Error).message}`, 'Fix the syntax, or run `upsc init --force` to start again.')
  }
  const result = validateConfig(doc)
  if (!result.ok) {
    const lines = result.problems.map((p) => `  ${p.path}: ${p.expected.startsWith('unknown key') ? p.expected : `expected ${p.expected}`}`)
    throw usageError(
      'config-invalid',
      `${file} has ${result.problems.length} problem(s):\n${lines.join('\n')}`,
      'docs/CONFIGURATION.md lists every key; editors check the file as you type through its "$schema".',
    )
  }
  return resolveStages(result.config, file)
}

/** Walk up from `start` to the filesystem root, returning the first config file found. */
export function findConfigFile(start: string): string | undefined {
  let dir = resolve(start)
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME)
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

export function userConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'upsc', 'config.json')
}

/** Which file to read: --config, then UPSC_CONFIG, then the nearest project file, then the user's. */
export function locateConfig(options: {flag?: string; cwd: string; env: NodeJS.ProcessEnv}): string {
  const explicit = options.flag ?? options.env.UPSC_CONFIG
  if (explicit) {
    const file = resolve(options.cwd, explicit)
    if (!existsSync(file))
      throw usageError('config-missing', `Config file not found: ${file}`, 'Check the --config flag or UPSC_CONFIG, or run `upsc init` to create one.')
    return file
  }
  const found = findConfigFile(options.cwd) ?? (existsSync(userConfigFile(options.env)) ? userConfigFile(options.env) : undefined)
  if (!found)
    throw usageError(
      'config-missing',
      `No ${CONFIG_FILE_NAME} found in ${options.cwd} or any folder above it, and no ${userConfigFile(options.env)}.`,
      'Run `upsc init` to write a starter config, or point at one with --config or UPSC_CONFIG.',
    )
  return found
}

export function loadConfig(options: {flag?: string; cwd: string; env: NodeJS.ProcessEnv}): LoadedConfig {
  const file = locateConfig(options)
  return parseConfig(readFileSync(file, 'utf8'), file)
}

/** With no config file at all, upsc acts on this stage with every default (the seed's setup). */
export const BUILT_IN_STAGE = 'stage2'

/** The config, or with no file anywhere (and none asked for) the built-in stage. */
export function loadConfigOrBuiltIn(options: {flag?: string; cwd: string; env: NodeJS.ProcessEnv}): LoadedConfig {
  const explicit = options.flag ?? options.env.UPSC_CONFIG
  if (!explicit && !findConfigFile(options.cwd) && !existsSync(userConfigFile(options.env)))
    return {...resolveStages({stages: {[BUILT_IN_STAGE]: {}}}, `the built-in stage ${BUILT_IN_STAGE}`), builtIn: true}
  return loadConfig(options)
}

/** Pick the stage: the flag, else the config's default. */
export function selectStage(config: LoadedConfig, requested?: string): StageConfig {
  const names = Object.keys(config.stages)
  const name = requested ?? config.defaultStage
  if (config.builtIn && name !== BUILT_IN_STAGE)
    throw usageError(
      'config-missing',
      `No ${CONFIG_FILE_NAME} found, and without one upsc knows only the stage ${BUILT_IN_STAGE}.`,
      `Run \`upsc init --stage ${name}\` to write a config for "${name}", or point at one with --config or UPSC_CONFIG.`,
    )
  if (!name)
    throw usageError(
      'stage-missing',
      `${config.file} has several stages (${names.join(', ')}) and no defaultStage.`,
      'Pass --stage <name>, or set "defaultStage" in the config.',
    )
  const stage = config.stages[name]
  if (!stage) throw usageError('stage-unknown', `Unknown stage "${name}" in ${config.file}.`, `Known stages: ${names.join(', ')}. Pass one with --stage.`)
  return stage
}
