/**
 * The config file's one schema (zod): the TypeScript types are inferred from it, the JSON Schema in
 * schema/upsc.config.schema.json is generated from it (`npm run docs`, checked by a test), and
 * docs/CONFIGURATION.md's key table is rendered from it. Validation is pure: an object in, a list of
 * problems or a typed config out. Each problem names the key path and what is expected; unknown keys
 * are problems too, because a misspelt key that is silently ignored is a setting that silently does
 * nothing.
 *
 * To add a key: add it to the section's object below with `describe()`; if it has a default, add it
 * to `stageDefaults` in load.ts; then `npm run docs` regenerates the JSON Schema and the docs table (commit both).
 */
import en from 'zod/v4/locales/en.js'
import * as z from 'zod/mini'

// zod/mini, not zod: every command that reads the config builds this schema and parses one document
// with it at start-up. Mini's schemas are cheaper to build, and its objects parse without first
// generating code (zod's objects compile a parser with new Function on their first parse): about
// 5 ms instead of 11 (docs/BENCHMARKS-NOTES.md, startup). Every message here is our own; English
// stays zod's fallback, as with the full zod, from its own module (z.locales would bundle all 40).
z.config(en())

/** The message for a value: "to be set" when it is missing, else what is expected. */
const expecting =
  (what: string) =>
  (issue: {input?: unknown}): string =>
    issue.input === undefined ? 'to be set (required)' : what

/** A key's meaning: the docs table and the JSON Schema read it from zod's registry. */
const describe = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, {description})
  return schema
}

/** What `describe` registered for a key (docs/CONFIGURATION.md's "meaning" column). */
export const descriptionOf = (schema: z.core.$ZodType): string | undefined => z.globalRegistry.get(schema)?.description

const optional = z.optional

const str = (pattern?: RegExp, what = 'a non-empty string') =>
  z.string({error: expecting(what), checks: pattern ? [z.minLength(1, {error: what}), z.regex(pattern, {error: what})] : [z.minLength(1, {error: what})]})

const int = (min: number, max: number) => {
  const what = `an integer from ${min} to ${max}`
  return z.int({error: expecting(what)}).check(z.gte(min, {error: what}), z.lte(max, {error: what}))
}

const bool = () => z.boolean({error: expecting('true or false')})

const list = <T extends z.ZodMiniType>(item: T, minItems = 0) => {
  const what = minItems > 0 ? `a list with at least ${minItems} item(s)` : 'a list'
  return z.array(item, {error: expecting(what)}).check(z.minLength(minItems, {error: what}))
}

const recordOf = <T extends z.ZodMiniType>(value: T, keyPattern: RegExp, keyWhat: string) =>
  z.record(z.string().check(z.regex(keyPattern, {error: keyWhat})), value, {error: expecting('an object')})

/** An object with known keys; any other key is reported with the list of known ones. */
const section = <S extends z.core.$ZodLooseShape>(shape: S) =>
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
  name: describe(str(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/, 'a name of letters, digits, space, _ . : - (at most 64)'), 'shown in status'),
  url: describe(optional(str(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL')), 'a URL on the host'),
  service: describe(optional(str(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a compose service name')), 'or a compose service, with its port'),
  port: describe(optional(int(1, 65535)), 'the container port, resolved with `docker compose port`'),
  path: describe(optional(str(/^\/[^\s]*$/, 'a path starting with /')), 'the path on the service (default /)'),
  expectStatus: describe(optional(int(100, 599)), 'the HTTP status that means healthy (default 200)'),
}).check(
  z.superRefine((v, ctx) => {
    const hasUrl = v.url !== undefined
    const hasService = v.service !== undefined
    if (hasUrl === hasService) ctx.addIssue({code: 'custom', message: 'either "url", or "service" with "port" (and "path")'})
    if (hasService && v.port === undefined) ctx.addIssue({code: 'custom', path: ['port'], message: 'to be set when "service" is'})
  }),
)

export const instanceSelectorSchema = section({
  ids: optional(list(str(INSTANCE_ID, 'an instance id such as i-0123456789abcdef0'), 1)),
  tags: optional(recordOf(str(/^[^\n]{1,256}$/, 'a tag value'), /^[^\n]{1,128}$/, 'a tag key')),
}).check(z.refine((v) => v.ids !== undefined || v.tags !== undefined, {message: '"ids" or "tags"'}))

export const timeoutsSchema = section({
  dockerReadySeconds: describe(optional(int(1, 3600)), 'bound on waiting for `docker info` on the host'),
  healthSeconds: describe(optional(int(1, 3600)), "bound on the deploy's health gate"),
  commandSeconds: describe(optional(int(30, 172800)), 'Run Command execution timeout'),
  deliverySeconds: describe(optional(int(30, 2592000)), 'Run Command delivery timeout (the instance must pick the command up within it)'),
  cancelSeconds: describe(
    optional(int(1, 3600)),
    '`deploy --cancel`: how long the deploy may take to stop, put back what runs and record the attempt before it is killed (CancelCommand)',
  ),
})

export const retrySchema = section({
  tries: optional(int(1, 10)),
  baseSeconds: optional(int(0, 60)),
})

export const notifySchema = section({
  snsTopicArn: describe(
    optional(str(SNS_TOPIC_ARN, 'the ARN of a standard SNS topic such as arn:aws:sns:ap-south-1:123456789012:upsc-deploys')),
    'a standard SNS topic; unset: no notifications',
  ),
  onSuccess: describe(optional(bool()), 'also announce deploys that succeeded (failures and rollbacks always are)'),
})

export const metricsSchema = section({
  enabled: describe(optional(bool()), 'PutMetricData in UPSC/Deployments after each deploy and rollback'),
})

/** A command run on the host at a point of a deploy or rollback (docs/DAY-TWO.md). */
const hookFields = {
  command: describe(list(str(/^[^\0]+$/, 'a non-empty word'), 1), 'argv words, run without a shell (write ["bash", "-c", "..."] for one)'),
  timeoutSeconds: describe(optional(int(1, 86400)), 'default 300'),
}
export const hookSchema = section(hookFields)
export const postDeployHookSchema = section({...hookFields, rollbackOnFailure: describe(optional(bool()), 'a failure rolls back (default: reported only)')})

export const hooksSchema = section({
  preBuild: describe(optional(list(hookSchema)), 'after the checkout and the compose check, before the build; a failure stops the deploy'),
  preDeploy: describe(optional(list(hookSchema)), 'after the build, before `up`; a failure stops the deploy'),
  postDeploy: describe(optional(list(postDeployHookSchema)), 'after the health gate; a failure is reported (or rolls back with rollbackOnFailure)'),
  postRollback: describe(optional(list(hookSchema)), 'after a healthy rollback; a failure is reported'),
})

export const pruneSchema = section({
  buildCacheKeep: describe(
    optional(str(/^\d{1,6}(\.\d{1,3})?[kMG]?B$/, 'a docker size such as 5GB, 500MB or 0B')),
    'build cache `upsc prune` keeps (default 5GB)',
  ),
  onLowDisk: describe(optional(bool()), 'the monitor prunes when free disk is below minFreeDiskPercent (default false)'),
})

/** How a deploy replaces the running version (docs/BLUE-GREEN.md). */
export const deploySchema = section({
  strategy: describe(
    z.enum(['inPlace', 'blueGreen'], {error: expecting('"inPlace" or "blueGreen"')}),
    '`inPlace`: `compose up` over the running stack; `blueGreen`: a second colour behind nginx, then a switch',
  ),
  services: describe(
    optional(
      list(
        section({
          name: describe(str(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a compose service name'), 'the compose service'),
          port: describe(int(1, 65535), 'the container port it listens on'),
          publicPort: describe(int(1, 65535), 'the public port nginx owns for it'),
        }),
        1,
      ),
    ),
    'the compose services that face traffic (required for blueGreen)',
  ),
  keepWarmSeconds: describe(optional(int(0, 604800)), 'how long the previous colour keeps running after a switch (default 900)'),
  listenHost: describe(optional(str(/^(\d{1,3}\.){3}\d{1,3}$/, 'an IPv4 address such as 127.0.0.1')), 'the address nginx listens on (default: every address)'),
}).check(
  z.superRefine((v, ctx) => {
    if (v.strategy === 'blueGreen' && v.services === undefined)
      ctx.addIssue({code: 'custom', path: ['services'], message: 'to be set when "strategy" is "blueGreen": the services that face traffic'})
  }),
)

export const alertsSchema = section({
  topicArn: describe(
    optional(str(SNS_TOPIC_ARN, 'the ARN of a standard SNS topic such as arn:aws:sns:ap-south-1:123456789012:upsc-alerts')),
    "the host's alerts; unset: notify.snsTopicArn (the generated Terraform passes its own topic)",
  ),
  maxPerHour: describe(optional(int(1, 100)), 'at most this many alert messages per host and hour; the rest wait'),
  restartLoop: describe(optional(int(2, 100)), 'this many restarts of one service within an hour is a restart loop'),
})

/** One stage. Each key's description is the "meaning" column of docs/CONFIGURATION.md. */
export const stageSchema = section({
  region: describe(optional(str(REGION, 'an AWS region such as ap-south-1')), 'AWS region'),
  profile: describe(optional(str(/^[A-Za-z0-9_.@+-]+$/, 'an AWS profile name')), 'AWS profile (SSO and assumed roles work)'),
  instances: describe(optional(instanceSelectorSchema), '`{"ids": [...]}` and/or `{"tags": {key: value}}`'),
  appDir: describe(optional(str(ABSOLUTE_PATH, 'an absolute path')), "the app's git checkout on the host"),
  upscHome: describe(optional(str(ABSOLUTE_PATH, 'an absolute path')), "upsc's state on the host (lock, history)"),
  composeFile: describe(optional(str(/^[^\0\n]+$/, 'a file name, relative to appDir')), 'relative to `appDir`'),
  composeProject: describe(optional(str(/^[a-z0-9][a-z0-9_-]*$/, 'a compose project name (lowercase letters, digits, _ and -)')), 'compose project name'),
  defaultBranch: describe(optional(str(/^[^\0\n ~^:?*[\\]+$/, 'a branch name')), 'branch deployed when none is given'),
  buildCommand: describe(
    optional(list(str(/^[^\0]+$/, 'a non-empty word'), 1)),
    'argv list, e.g. `["./docker-build.sh"]`, run in `appDir` (never through a shell)',
  ),
  healthChecks: describe(
    optional(list(healthCheckSchema)),
    'each: `name`, `expectStatus` (200), and either `url` (on the host) or `service` + `port` (+ `path`), resolved with `docker compose port`',
  ),
  logGroup: describe(optional(str(LOG_GROUP, 'a CloudWatch Logs group name')), "the stage's CloudWatch Logs group"),
  logStreams: describe(
    optional(
      recordOf(str(/^[^:*]{1,512}$/, 'a stream name (may contain {instance_id})'), /^[A-Za-z0-9][A-Za-z0-9/_.-]*$/, 'an alias of letters, digits, / _ . -'),
    ),
    'alias -> stream name',
  ),
  runCommandLogGroup: describe(optional(str(LOG_GROUP, 'a CloudWatch Logs group name')), 'where Run Command output is streamed'),
  githubTokenParameter: describe(
    optional(str(SSM_PARAMETER, 'an SSM parameter name such as /upscpro/stage2/github-token')),
    'SSM Parameter Store name (SecureString) of the GitHub token, read on the host',
  ),
  repoUrl: describe(
    optional(str(/^https:\/\/[^\s'"\\]+$/, "an https:// URL of the app's git repository")),
    "the app's repository, cloned by `upsc bootstrap`'s user-data (https: the token travels as an HTTP header)",
  ),
  envParameter: describe(
    optional(str(SSM_PARAMETER, 'an SSM parameter name such as /upscpro/stage2/env')),
    "SSM parameter (SecureString) holding the app's `.env`, written into `appDir` by the bootstrap and by every deploy; `upsc env` edits it",
  ),
  units: describe(optional(list(str(/^[A-Za-z0-9@_.:-]+$/, 'a systemd unit name'))), 'systemd units reported by status'),
  keepImages: describe(optional(int(1, 100)), '`upsc-<sha>` image sets kept for rollback'),
  minFreeDiskPercent: describe(optional(int(0, 99)), 'free disk below this is a warning'),
  timeouts: describe(optional(timeoutsSchema), 'bounds on the host and on Run Command'),
  retry: describe(optional(retrySchema), 'retries of critical steps: waits 2 s, 4 s, 8 s'),
  notify: describe(optional(notifySchema), '`snsTopicArn` (a standard SNS topic) and `onSuccess`; see docs/NOTIFY.md'),
  metrics: describe(optional(metricsSchema), '`PutMetricData` in `UPSC/Deployments` after each deploy and rollback'),
  hooks: describe(optional(hooksSchema), '`preBuild`, `preDeploy`, `postDeploy`, `postRollback`: argv hooks run on the host; see docs/DAY-TWO.md'),
  prune: describe(optional(pruneSchema), '`buildCacheKeep`, `onLowDisk`; see docs/DAY-TWO.md'),
  deploy: describe(optional(deploySchema), '`strategy` (`inPlace` or `blueGreen`), `services`, `keepWarmSeconds`, `listenHost`; see docs/BLUE-GREEN.md'),
  alerts: describe(optional(alertsSchema), "the host's own alerts: `topicArn`, `maxPerHour`, `restartLoop`; see docs/HOST-SIGNALS.md"),
  containerLogs: describe(
    optional(z.enum(['agent', 'awslogs'], {error: '"agent" (one stream of Docker\'s JSON lines) or "awslogs" (a stream per compose service)'})),
    '`awslogs`: a stream per compose service (`{instance_id}/containers/<service>`); see docs/HOST-SIGNALS.md',
  ),
})

export const configFileSchema = section({
  $schema: describe(optional(str()), 'the JSON Schema of this file (written by `upsc init`), for editors'),
  defaultStage: describe(optional(str(STAGE_NAME, 'a stage name')), 'the stage used without --stage (required when there are several)'),
  stages: describe(recordOf(stageSchema, STAGE_NAME, 'a stage name of letters, digits, _ and - (at most 64)'), 'stage name -> stage'),
}).check(
  z.superRefine((v, ctx) => {
    const names = Object.keys(v.stages)
    if (names.length === 0) ctx.addIssue({code: 'custom', path: ['stages'], message: 'at least one stage'})
    if (v.defaultStage !== undefined && !names.includes(v.defaultStage))
      ctx.addIssue({code: 'custom', path: ['defaultStage'], message: `one of the stages (${names.join(', ')})`})
  }),
)

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
