/**
 * The config file's one schema (zod): the TypeScript types are inferred from it, the JSON Schema in
 * schema/upsc.config.schema.json is generated from it (`npm run docs`, checked by a test), and
 * docs/CONFIGURATION.md's key table is rendered from it. Validation is pure: an object in, a list of
 * problems or a typed config out. Each problem names the key path and what is expected; unknown keys
 * are problems too, because a misspelt key that is silently ignored is a setting that silently does
 * nothing.
 *
 * To add a key: add it to the section's object below with `.describe()`; if it has a default, add it
 * to `stageDefaults` in config.ts; then `npm run docs` regenerates the JSON Schema and the docs table (commit both).
 */
import * as z from 'zod'

/** The message for a value: "to be set" when it is missing, else what is expected. */
const expecting =
  (what: string) =>
  (issue: {input?: unknown}): string =>
    issue.input === undefined ? 'to be set (required)' : what

const str = (pattern?: RegExp, what = 'a non-empty string') => {
  const base = z.string({error: expecting(what)}).min(1, {error: what})
  return pattern ? base.regex(pattern, {error: what}) : base
}

const int = (min: number, max: number) => {
  const what = `an integer from ${min} to ${max}`
  return z
    .int({error: expecting(what)})
    .min(min, {error: what})
    .max(max, {error: what})
}

const bool = () => z.boolean({error: expecting('true or false')})

const list = <T extends z.ZodType>(item: T, minItems = 0) => {
  const what = minItems > 0 ? `a list with at least ${minItems} item(s)` : 'a list'
  return z.array(item, {error: expecting(what)}).min(minItems, {error: what})
}

const recordOf = <T extends z.ZodType>(value: T, keyPattern: RegExp, keyWhat: string) =>
  z.record(z.string().regex(keyPattern, {error: keyWhat}), value, {error: expecting('an object')})

/** An object with known keys; any other key is reported with the list of known ones. */
const section = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown key: the known keys here are ${Object.keys(shape).join(', ')}` : expecting('an object')(issue),
  })

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/
const ABSOLUTE_PATH = /^\/[^\0\n]*$/
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/
const SSM_PARAMETER = /^\/?[A-Za-z0-9_.\-/]{1,1011}$/
// Standard topics only: a FIFO topic (name ending in .fifo) cannot deliver to email.
const SNS_TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}$/

export const healthCheckSchema = section({
  name: str(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/, 'a name of letters, digits, space, _ . : - (at most 64)').describe('shown in status'),
  url: str(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL')
    .optional()
    .describe('a URL on the host'),
  service: str(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a compose service name')
    .optional()
    .describe('or a compose service, with its port'),
  port: int(1, 65535).optional().describe('the container port, resolved with `docker compose port`'),
  path: str(/^\/[^\s]*$/, 'a path starting with /')
    .optional()
    .describe('the path on the service (default /)'),
  expectStatus: int(100, 599).optional().describe('the HTTP status that means healthy (default 200)'),
}).superRefine((v, ctx) => {
  const hasUrl = v.url !== undefined
  const hasService = v.service !== undefined
  if (hasUrl === hasService) ctx.addIssue({code: 'custom', message: 'either "url", or "service" with "port" (and "path")'})
  if (hasService && v.port === undefined) ctx.addIssue({code: 'custom', path: ['port'], message: 'to be set when "service" is'})
})

export const instanceSelectorSchema = section({
  ids: list(str(INSTANCE_ID, 'an instance id such as i-0123456789abcdef0'), 1).optional(),
  tags: recordOf(str(/^[^\n]{1,256}$/, 'a tag value'), /^[^\n]{1,128}$/, 'a tag key').optional(),
}).refine((v) => v.ids !== undefined || v.tags !== undefined, {message: '"ids" or "tags"'})

export const timeoutsSchema = section({
  dockerReadySeconds: int(1, 3600).optional().describe('bound on waiting for `docker info` on the host'),
  healthSeconds: int(1, 3600).optional().describe("bound on the deploy's health gate"),
  commandSeconds: int(30, 172800).optional().describe('Run Command execution timeout'),
  deliverySeconds: int(30, 2592000).optional().describe('Run Command delivery timeout (the instance must pick the command up within it)'),
  cancelSeconds: int(1, 3600)
    .optional()
    .describe('`deploy --cancel`: how long the deploy may take to stop, put back what runs and record the attempt before it is killed (CancelCommand)'),
})

export const retrySchema = section({
  tries: int(1, 10).optional(),
  baseSeconds: int(0, 60).optional(),
})

export const notifySchema = section({
  snsTopicArn: str(SNS_TOPIC_ARN, 'the ARN of a standard SNS topic such as arn:aws:sns:ap-south-1:123456789012:upsc-deploys')
    .optional()
    .describe('a standard SNS topic; unset: no notifications'),
  onSuccess: bool().optional().describe('also announce deploys that succeeded (failures and rollbacks always are)'),
})

export const metricsSchema = section({
  enabled: bool().optional().describe('PutMetricData in UPSC/Deployments after each deploy and rollback'),
})

/** A command run on the host at a point of a deploy or rollback (docs/DAY-TWO.md). */
const hookFields = {
  command: list(str(/^[^\0]+$/, 'a non-empty word'), 1).describe('argv words, run without a shell (write ["bash", "-c", "..."] for one)'),
  timeoutSeconds: int(1, 86400).optional().describe('default 300'),
}
export const hookSchema = section(hookFields)
export const postDeployHookSchema = section({...hookFields, rollbackOnFailure: bool().optional().describe('a failure rolls back (default: reported only)')})

export const hooksSchema = section({
  preBuild: list(hookSchema).optional().describe('after the checkout and the compose check, before the build; a failure stops the deploy'),
  preDeploy: list(hookSchema).optional().describe('after the build, before `up`; a failure stops the deploy'),
  postDeploy: list(postDeployHookSchema).optional().describe('after the health gate; a failure is reported (or rolls back with rollbackOnFailure)'),
  postRollback: list(hookSchema).optional().describe('after a healthy rollback; a failure is reported'),
})

export const pruneSchema = section({
  buildCacheKeep: str(/^\d{1,6}(\.\d{1,3})?[kMG]?B$/, 'a docker size such as 5GB, 500MB or 0B')
    .optional()
    .describe('build cache `upsc prune` keeps (default 5GB)'),
  onLowDisk: bool().optional().describe('the monitor prunes when free disk is below minFreeDiskPercent (default false)'),
})

/** How a deploy replaces the running version (docs/BLUE-GREEN.md). */
export const deploySchema = section({
  strategy: z
    .enum(['inPlace', 'blueGreen'], {error: expecting('"inPlace" or "blueGreen"')})
    .describe('`inPlace`: `compose up` over the running stack; `blueGreen`: a second colour behind nginx, then a switch'),
  services: list(
    section({
      name: str(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a compose service name').describe('the compose service'),
      port: int(1, 65535).describe('the container port it listens on'),
      publicPort: int(1, 65535).describe('the public port nginx owns for it'),
    }),
    1,
  )
    .optional()
    .describe('the compose services that face traffic (required for blueGreen)'),
  keepWarmSeconds: int(0, 604800).optional().describe('how long the previous colour keeps running after a switch (default 900)'),
  listenHost: str(/^(\d{1,3}\.){3}\d{1,3}$/, 'an IPv4 address such as 127.0.0.1')
    .optional()
    .describe('the address nginx listens on (default: every address)'),
}).superRefine((v, ctx) => {
  if (v.strategy === 'blueGreen' && v.services === undefined)
    ctx.addIssue({code: 'custom', path: ['services'], message: 'to be set when "strategy" is "blueGreen": the services that face traffic'})
})

export const alertsSchema = section({
  topicArn: str(SNS_TOPIC_ARN, 'the ARN of a standard SNS topic such as arn:aws:sns:ap-south-1:123456789012:upsc-alerts')
    .optional()
    .describe("the host's alerts; unset: notify.snsTopicArn (the generated Terraform passes its own topic)"),
  maxPerHour: int(1, 100).optional().describe('at most this many alert messages per host and hour; the rest wait'),
  restartLoop: int(2, 100).optional().describe('this many restarts of one service within an hour is a restart loop'),
})

/** One stage. Each key's description is the "meaning" column of docs/CONFIGURATION.md. */
export const stageSchema = section({
  region: str(REGION, 'an AWS region such as ap-south-1').optional().describe('AWS region'),
  profile: str(/^[A-Za-z0-9_.@+-]+$/, 'an AWS profile name')
    .optional()
    .describe('AWS profile (SSO and assumed roles work)'),
  instances: instanceSelectorSchema.optional().describe('`{"ids": [...]}` and/or `{"tags": {key: value}}`'),
  appDir: str(ABSOLUTE_PATH, 'an absolute path').optional().describe("the app's git checkout on the host"),
  upscHome: str(ABSOLUTE_PATH, 'an absolute path').optional().describe("upsc's state on the host (lock, history)"),
  composeFile: str(/^[^\0\n]+$/, 'a file name, relative to appDir')
    .optional()
    .describe('relative to `appDir`'),
  composeProject: str(/^[a-z0-9][a-z0-9_-]*$/, 'a compose project name (lowercase letters, digits, _ and -)')
    .optional()
    .describe('compose project name'),
  defaultBranch: str(/^[^\0\n ~^:?*[\\]+$/, 'a branch name')
    .optional()
    .describe('branch deployed when none is given'),
  buildCommand: list(str(/^[^\0]+$/, 'a non-empty word'), 1)
    .optional()
    .describe('argv list, e.g. `["./docker-build.sh"]`, run in `appDir` (never through a shell)'),
  healthChecks: list(healthCheckSchema)
    .optional()
    .describe('each: `name`, `expectStatus` (200), and either `url` (on the host) or `service` + `port` (+ `path`), resolved with `docker compose port`'),
  logGroup: str(LOG_GROUP, 'a CloudWatch Logs group name').optional().describe("the stage's CloudWatch Logs group"),
  logStreams: recordOf(
    str(/^[^:*]{1,512}$/, 'a stream name (may contain {instance_id})'),
    /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/,
    'an alias of letters, digits, / _ . -',
  )
    .optional()
    .describe('alias -> stream name'),
  runCommandLogGroup: str(LOG_GROUP, 'a CloudWatch Logs group name').optional().describe('where Run Command output is streamed'),
  githubTokenParameter: str(SSM_PARAMETER, 'an SSM parameter name such as /upscpro/stage2/github-token')
    .optional()
    .describe('SSM Parameter Store name (SecureString) of the GitHub token, read on the host'),
  repoUrl: str(/^https:\/\/[^\s'"\\]+$/, "an https:// URL of the app's git repository")
    .optional()
    .describe("the app's repository, cloned by `upsc bootstrap`'s user-data (https: the token travels as an HTTP header)"),
  envParameter: str(SSM_PARAMETER, 'an SSM parameter name such as /upscpro/stage2/env')
    .optional()
    .describe("SSM parameter (SecureString) holding the app's `.env`, written into `appDir` by the bootstrap and by every deploy; `upsc env` edits it"),
  units: list(str(/^[A-Za-z0-9@_.:-]+$/, 'a systemd unit name'))
    .optional()
    .describe('systemd units reported by status'),
  keepImages: int(1, 100).optional().describe('`upsc-<sha>` image sets kept for rollback'),
  minFreeDiskPercent: int(0, 99).optional().describe('free disk below this is a warning'),
  timeouts: timeoutsSchema.optional().describe('bounds on the host and on Run Command'),
  retry: retrySchema.optional().describe('retries of critical steps: waits 2 s, 4 s, 8 s'),
  notify: notifySchema.optional().describe('`snsTopicArn` (a standard SNS topic) and `onSuccess`; see docs/NOTIFY.md'),
  metrics: metricsSchema.optional().describe('`PutMetricData` in `UPSC/Deployments` after each deploy and rollback'),
  hooks: hooksSchema.optional().describe('`preBuild`, `preDeploy`, `postDeploy`, `postRollback`: argv hooks run on the host; see docs/DAY-TWO.md'),
  prune: pruneSchema.optional().describe('`buildCacheKeep`, `onLowDisk`; see docs/DAY-TWO.md'),
  deploy: deploySchema.optional().describe('`strategy` (`inPlace` or `blueGreen`), `services`, `keepWarmSeconds`, `listenHost`; see docs/BLUE-GREEN.md'),
  alerts: alertsSchema.optional().describe("the host's own alerts: `topicArn`, `maxPerHour`, `restartLoop`; see docs/HOST-SIGNALS.md"),
  containerLogs: z
    .enum(['agent', 'awslogs'], {error: '"agent" (one stream of Docker\'s JSON lines) or "awslogs" (a stream per compose service)'})
    .optional()
    .describe('`awslogs`: a stream per compose service (`{instance_id}/containers/<service>`); see docs/HOST-SIGNALS.md'),
})

export const configFileSchema = section({
  $schema: str().optional().describe('the JSON Schema of this file (written by `upsc init`), for editors'),
  defaultStage: str(STAGE_NAME, 'a stage name').optional().describe('the stage used without --stage (required when there are several)'),
  stages: recordOf(stageSchema, STAGE_NAME, 'a stage name of letters, digits, _ and - (at most 64)').describe('stage name -> stage'),
}).superRefine((v, ctx) => {
  const names = Object.keys(v.stages)
  if (names.length === 0) ctx.addIssue({code: 'custom', path: ['stages'], message: 'at least one stage'})
  if (v.defaultStage !== undefined && !names.includes(v.defaultStage))
    ctx.addIssue({code: 'custom', path: ['defaultStage'], message: `one of the stages (${names.join(', ')})`})
})

export type ConfigFileInput = z.infer<typeof configFileSchema>
export type StageConfigInput = z.infer<typeof stageSchema>
export type InstanceSelector = z.infer<typeof instanceSelectorSchema>
export type HealthCheckConfig = z.infer<typeof healthCheckSchema> & {expectStatus: number}
export type Timeouts = Required<z.infer<typeof timeoutsSchema>>
export type RetryPolicy = Required<z.infer<typeof retrySchema>>
export type NotifyConfig = z.infer<typeof notifySchema> & {onSuccess: boolean}
export type MetricsConfig = Required<z.infer<typeof metricsSchema>>
export type HookConfig = z.infer<typeof postDeployHookSchema>
export type HooksConfig = z.infer<typeof hooksSchema>
export const HOOK_POINTS = ['preBuild', 'preDeploy', 'postDeploy', 'postRollback'] as const
export type HookPoint = (typeof HOOK_POINTS)[number]
export type PruneConfig = Required<z.infer<typeof pruneSchema>>
export type DeployConfig = z.infer<typeof deploySchema>
export type AlertsConfig = z.infer<typeof alertsSchema> & {maxPerHour: number; restartLoop: number}

export type Problem = {path: string; expected: string}

/** Pure: a zod issue path -> `stages.stage2.healthChecks[0].url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
  return text || '(root)'
}

/** Pure: zod issues -> one problem per key path and expectation (unknown keys: one per key). */
export function problemsOf(issues: ReadonlyArray<z.core.$ZodIssue>): Problem[] {
  const problems: Problem[] = []
  const seen = new Set<string>()
  const add = (path: ReadonlyArray<PropertyKey>, expected: string): void => {
    const p = {path: formatPath(path), expected}
    const key = `${p.path}\0${p.expected}`
    if (!seen.has(key)) problems.push(p)
    seen.add(key)
  }
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add([...issue.path, key], issue.message)
    else if (issue.code === 'invalid_key') add(issue.path, issue.issues[0]?.message ?? issue.message)
    else add(issue.path, issue.message)
  }
  return problems
}

/** Validate a parsed config document. Paths are written from the root, e.g. `stages.stage2.region`. */
export function validateConfig(doc: unknown): {ok: true; config: ConfigFileInput} | {ok: false; problems: Problem[]} {
  const result = configFileSchema.safeParse(doc)
  if (!result.success) return {ok: false, problems: problemsOf(result.error.issues)}
  return {ok: true, config: result.data}
}

/** The JSON Schema that editors use (schema/upsc.config.schema.json is this, generated at build). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, {target: 'draft-7', io: 'input', unrepresentable: 'any'}),
    $id: 'https://github.com/upscpro/upsc/schema/upsc.config.schema.json',
    title: 'upsc.config.json',
  }
}
