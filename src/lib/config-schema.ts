/**
 * The config file's schema and its validator. Pure: an object in, a list of problems or a typed
 * config out. Each problem names the key path and what is expected; unknown keys are problems too,
 * because a misspelt key that is silently ignored is a setting that silently does nothing.
 */

export interface HealthCheckConfig {
  name: string
  /** A literal URL on the host, e.g. http://localhost:8000/health. */
  url?: string
  /** Or a compose service's published port, resolved on the host with `docker compose port`. */
  service?: string
  port?: number
  path?: string
  expectStatus: number
}

export interface InstanceSelector {
  ids?: string[]
  tags?: Record<string, string>
}

export interface StageConfigInput {
  region?: string
  profile?: string
  instances?: InstanceSelector
  appDir?: string
  upscHome?: string
  composeFile?: string
  composeProject?: string
  defaultBranch?: string
  buildCommand?: string[]
  healthChecks?: HealthCheckConfig[]
  logGroup?: string
  logStreams?: Record<string, string>
  runCommandLogGroup?: string
  githubTokenParameter?: string
  repoUrl?: string
  envParameter?: string
  units?: string[]
  keepImages?: number
  minFreeDiskPercent?: number
  timeouts?: Partial<Timeouts>
  retry?: Partial<RetryPolicy>
  notify?: Partial<NotifyConfig>
  metrics?: Partial<MetricsConfig>
  hooks?: HooksConfig
  prune?: Partial<PruneConfig>
}

/** `upsc prune`, and the monitor's prune when the disk is low. */
export interface PruneConfig {
  /** Build cache kept by `docker builder prune --keep-storage` (a docker size such as 5GB). */
  buildCacheKeep: string
  /** The monitor prunes when free disk falls below minFreeDiskPercent. */
  onLowDisk: boolean
}

/** A command run on the host at a point of a deploy or rollback (docs/DAY-TWO.md). */
export interface HookConfig {
  /** argv words, run without a shell (write ["bash", "-c", "..."] for one). */
  command: string[]
  /** Default 300. */
  timeoutSeconds?: number
  /** postDeploy only: a failure rolls back (default: reported only). */
  rollbackOnFailure?: boolean
}

export const HOOK_POINTS = ['preBuild', 'preDeploy', 'postDeploy', 'postRollback'] as const
export type HookPoint = (typeof HOOK_POINTS)[number]
export type HooksConfig = Partial<Record<HookPoint, HookConfig[]>>

/** Where deploy and rollback outcomes are announced (docs/readme-sections/notify.md). */
export interface NotifyConfig {
  /** A standard SNS topic; unset: no notifications. */
  snsTopicArn?: string
  /** Also announce deploys that succeeded (failures and rollbacks always are). */
  onSuccess: boolean
}

export interface MetricsConfig {
  /** PutMetricData in UPSC/Deployments after each deploy and rollback. */
  enabled: boolean
}

export interface Timeouts {
  /** Bound on waiting for `docker info` on the host. */
  dockerReadySeconds: number
  /** Bound on the deploy's health gate. */
  healthSeconds: number
  /** Run Command execution timeout. */
  commandSeconds: number
  /** Run Command delivery timeout (instance must pick the command up within it). */
  deliverySeconds: number
}

export interface RetryPolicy {
  tries: number
  baseSeconds: number
}

export interface ConfigFileInput {
  $schema?: string
  defaultStage?: string
  stages: Record<string, StageConfigInput>
}

export type Problem = {path: string; expected: string}

type Check = (value: unknown, path: string, problems: Problem[]) => void

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const str =
  (pattern?: RegExp, what = 'a non-empty string'): Check =>
  (v, path, problems) => {
    if (typeof v !== 'string' || v.length === 0 || (pattern && !pattern.test(v))) problems.push({path, expected: what})
  }

const bool: Check = (v, path, problems) => {
  if (typeof v !== 'boolean') problems.push({path, expected: 'true or false'})
}

const int =
  (min: number, max: number): Check =>
  (v, path, problems) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      problems.push({path, expected: `an integer from ${min} to ${max}`})
  }

const arrayOf =
  (item: Check, minItems = 0): Check =>
  (v, path, problems) => {
    if (!Array.isArray(v) || v.length < minItems) {
      problems.push({path, expected: minItems > 0 ? `a list with at least ${minItems} item(s)` : 'a list'})
      return
    }
    v.forEach((x, i) => item(x, `${path}[${i}]`, problems))
  }

const recordOf =
  (value: Check, keyPattern?: RegExp, keyWhat = 'a key'): Check =>
  (v, path, problems) => {
    if (!isObject(v)) {
      problems.push({path, expected: 'an object'})
      return
    }
    for (const [k, x] of Object.entries(v)) {
      if (keyPattern && !keyPattern.test(k)) problems.push({path: `${path}.${k}`, expected: keyWhat})
      value(x, `${path}.${k}`, problems)
    }
  }

/** An object with known keys; unknown keys are reported. */
const object =
  (shape: Record<string, Check>, required: string[] = [], extra?: (v: Record<string, unknown>, path: string, problems: Problem[]) => void): Check =>
  (v, path, problems) => {
    if (!isObject(v)) {
      problems.push({path, expected: 'an object'})
      return
    }
    for (const key of required) if (!(key in v)) problems.push({path: `${path}.${key}`, expected: 'to be set (required)'})
    for (const [key, x] of Object.entries(v)) {
      const check = shape[key]
      if (!check) {
        problems.push({path: `${path}.${key}`, expected: `unknown key: the known keys here are ${Object.keys(shape).join(', ')}`})
        continue
      }
      check(x, `${path}.${key}`, problems)
    }
    extra?.(v, path, problems)
  }

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/
const ABSOLUTE_PATH = /^\/[^\0\n]*$/
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/
const SSM_PARAMETER = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/
// Standard topics only: a FIFO topic (name ending in .fifo) cannot deliver to email.
const SNS_TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}$/

const healthCheck = object(
  {
    name: str(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/, 'a name of letters, digits, space, _ . : - (at most 64)'),
    url: str(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL'),
    service: str(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a compose service name'),
    port: int(1, 65535),
    path: str(/^\/[^\s]*$/, 'a path starting with /'),
    expectStatus: int(100, 599),
  },
  ['name'],
  (v, path, problems) => {
    const hasUrl = 'url' in v
    const hasService = 'service' in v
    if (hasUrl === hasService) problems.push({path, expected: 'either "url", or "service" with "port" (and "path")'})
    if (hasService && !('port' in v)) problems.push({path: `${path}.port`, expected: 'to be set when "service" is'})
  },
)

const hook = (post: boolean): Check =>
  object({command: arrayOf(str(/^[^\0]+$/, 'a non-empty word'), 1), timeoutSeconds: int(1, 86400), ...(post ? {rollbackOnFailure: bool} : {})}, ['command'])

const stage = object({
  region: str(REGION, 'an AWS region such as eu-central-1'),
  profile: str(/^[A-Za-z0-9_.@+-]+$/, 'an AWS profile name'),
  instances: object(
    {
      ids: arrayOf(str(INSTANCE_ID, 'an instance id such as i-0123456789abcdef0'), 1),
      tags: recordOf(str(/^[^\n]{1,256}$/, 'a tag value'), /^[^\n]{1,128}$/, 'a tag key'),
    },
    [],
    (v, path, problems) => {
      if (!('ids' in v) && !('tags' in v)) problems.push({path, expected: '"ids" or "tags"'})
    },
  ),
  appDir: str(ABSOLUTE_PATH, 'an absolute path'),
  upscHome: str(ABSOLUTE_PATH, 'an absolute path'),
  composeFile: str(/^[^\0\n]+$/, 'a file name, relative to appDir'),
  composeProject: str(/^[a-z0-9][a-z0-9_-]*$/, 'a compose project name (lowercase letters, digits, _ and -)'),
  defaultBranch: str(/^[^\0\n ~^:?*[\\]+$/, 'a branch name'),
  buildCommand: arrayOf(str(/^[^\0]+$/, 'a non-empty word'), 1),
  healthChecks: arrayOf(healthCheck),
  logGroup: str(LOG_GROUP, 'a CloudWatch Logs group name'),
  logStreams: recordOf(str(/^[^:*]{1,512}$/, 'a stream name (may contain {instance_id})'), /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/, 'an alias of letters, digits, / _ . -'),
  runCommandLogGroup: str(LOG_GROUP, 'a CloudWatch Logs group name'),
  githubTokenParameter: str(SSM_PARAMETER, 'an SSM parameter name such as /upscpro/stage2/github-token'),
  repoUrl: str(/^https:\/\/[^\s'"\\]+$/, 'an https:// URL of the app\'s git repository'),
  envParameter: str(SSM_PARAMETER, 'an SSM parameter name such as /upscpro/stage2/env'),
  units: arrayOf(str(/^[A-Za-z0-9@_.:-]+$/, 'a systemd unit name')),
  keepImages: int(1, 100),
  minFreeDiskPercent: int(0, 99),
  timeouts: object({
    dockerReadySeconds: int(1, 3600),
    healthSeconds: int(1, 3600),
    commandSeconds: int(30, 172800),
    deliverySeconds: int(30, 2592000),
  }),
  retry: object({tries: int(1, 10), baseSeconds: int(0, 60)}),
  notify: object({
    snsTopicArn: str(SNS_TOPIC_ARN, 'the ARN of a standard SNS topic such as arn:aws:sns:eu-central-1:123456789012:upsc-deploys'),
    onSuccess: bool,
  }),
  metrics: object({enabled: bool}),
  prune: object({buildCacheKeep: str(/^\d{1,6}(\.\d{1,3})?[kMG]?B$/, 'a docker size such as 5GB, 500MB or 0B'), onLowDisk: bool}),
  hooks: object({preBuild: arrayOf(hook(false)), preDeploy: arrayOf(hook(false)), postDeploy: arrayOf(hook(true)), postRollback: arrayOf(hook(false))}),
})

const configFile = object(
  {
    $schema: str(),
    defaultStage: str(STAGE_NAME, 'a stage name'),
    stages: recordOf(stage, STAGE_NAME, 'a stage name of letters, digits, _ and - (at most 64)'),
  },
  ['stages'],
  (v, path, problems) => {
    const stages = v.stages
    if (isObject(stages) && Object.keys(stages).length === 0) problems.push({path: `${path}.stages`, expected: 'at least one stage'})
    if (typeof v.defaultStage === 'string' && isObject(stages) && !(v.defaultStage in stages))
      problems.push({path: `${path}.defaultStage`, expected: `one of the stages (${Object.keys(stages).join(', ')})`})
  },
)

/** Validate a parsed config document. Paths are written from the root, e.g. `stages.stage2.region`. */
export function validateConfig(doc: unknown): {ok: true; config: ConfigFileInput} | {ok: false; problems: Problem[]} {
  const problems: Problem[] = []
  configFile(doc, '$', problems)
  if (problems.length > 0) return {ok: false, problems: problems.map((p) => ({...p, path: p.path.replace(/^\$\.?/, '') || '(root)'}))}
  return {ok: true, config: doc as ConfigFileInput}
}
