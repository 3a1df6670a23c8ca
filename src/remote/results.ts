/**
 * The `::upsc result` document of each host script, as zod schemas (docs/REMOTE-CONTRACT.md): the
 * report parser checks a result against its script's schema instead of casting it, and the types
 * the CLI reads are inferred from them. The schemas name the fields the CLI relies on and keep the
 * others (loose objects): a newer script may add fields; a field the CLI reads that is missing or
 * of the wrong type makes the result unreadable, a clear failure for that host.
 *
 * The one module that imports zod at run time for the host side: keep it so (start-up time), and
 * on zod/mini, as the config schema is: the bundles then carry no classic zod at all.
 */
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

import type {ScriptName} from './payload.js'

// zod/mini (no methods on each schema, no parser generated on the first parse) with English
// messages, as src/config/schema.ts sets them: a problem quotes zod's message.
z.config(en())

const text = z.nullish(z.string())
const count = z.nullish(z.number())
const object = z.looseObject({})

const healthCheck = z.looseObject({name: z.string(), url: text, expect: z.number(), status: count, ok: z.boolean(), latencyMs: count, error: text})
const step = z.looseObject({name: z.string(), status: z.string(), seconds: count, detail: text})

/** deploy.sh, rollback.sh, app.sh (lib.sh result_line) and the boot's blue-green start. */
export const operationResult = z.looseObject({
  kind: z.string(),
  id: text,
  outcome: z.string(),
  exitCode: z.number(),
  branch: text,
  commit: text,
  previousCommit: text,
  rolledBackTo: text,
  steps: z.array(step),
  healthChecks: z.array(healthCheck),
  failedStep: text,
  reason: text,
  advice: text,
  durationSeconds: count,
  lock: z.nullish(object),
})

/** history.sh: one page of records, and with UPSC_ROLLBACK_PLAN=1 the host's rollback plan. */
export const historyResult = z.looseObject({
  records: z.array(object),
  total: z.number(),
  skipped: z.number(),
  next: z.nullable(z.number()),
  current: z.nullable(object),
  rollback: z.optional(z.looseObject({running: text, target: z.nullable(object), problem: text})),
})

/** lock.sh: the lock, the hold, and what the action did. */
export const lockResult = z.looseObject({
  action: z.string(),
  held: z.boolean(),
  stale: z.boolean(),
  holder: z.nullable(object),
  released: z.boolean(),
  forced: z.boolean(),
  message: text,
  hold: z.nullable(object),
})

const monitorDocument = z.looseObject({
  checkedAt: z.optional(z.string()),
  outcome: z.optional(z.string()),
  detail: text,
  restarts24h: z.optional(z.record(z.string(), z.number())),
  lastRecoveryAt: text,
  openIncidents: z.optional(z.array(z.string())),
})

const colour = z.nullable(z.enum(['blue', 'green']))
const blueGreenProbe = z.looseObject({
  strategy: z.string(),
  live: colour,
  liveCommit: z.nullable(z.string()),
  idle: colour,
  idleState: z.nullable(z.enum(['running', 'stopped'])),
  idleCommit: z.nullable(z.string()),
  proxy: z.looseObject({
    running: z.boolean(),
    ports: z.array(z.looseObject({service: z.string(), port: z.number(), status: z.nullable(z.number()), colour: z.nullable(z.string())})),
  }),
})

/** probe.sh: the host as `upsc status` and `upsc app ps` see it. Each part fails soft, so most are optional. */
export const probeResult = z.looseObject({
  schema: z.number(),
  host: z.optional(
    z.looseObject({hostname: z.optional(z.string()), uptimeSeconds: count, diskFreeBytes: count, diskTotalBytes: count, diskFreePercent: count}),
  ),
  docker: z.optional(z.looseObject({running: z.boolean(), serverVersion: text, composeVersion: text, error: text})),
  repo: z.optional(
    z.looseObject({
      present: z.boolean(),
      branch: text,
      commit: text,
      running: text,
      clean: z.nullish(z.boolean()),
      untracked: z.optional(z.array(z.string())),
      untrackedCount: z.optional(z.number()),
      error: text,
    }),
  ),
  images: z.optional(z.array(z.looseObject({repository: z.string(), tag: z.string(), id: z.optional(z.string()), createdAt: text, ageSeconds: count}))),
  services: z.optional(z.array(z.looseObject({name: z.string(), state: z.string(), health: text, restarts: count}))),
  servicesError: text,
  healthChecks: z.optional(z.array(healthCheck)),
  units: z.optional(z.array(z.looseObject({name: z.string(), present: z.boolean(), enabled: text, active: text}))),
  lastDeployment: z.nullish(object),
  bootstrap: z.nullish(object),
  blueGreen: z.nullish(blueGreenProbe),
  monitor: z.nullish(monitorDocument),
})

/** exec.sh: the command's exit code. */
export const execResult = z.looseObject({exitCode: z.number()})

/** prune.sh: what was (or would be) removed; `error` when it could not run. */
export const pruneResult = z.looseObject({dryRun: z.boolean(), error: text, lock: z.nullish(object)})

/** install.sh: one chunk of the script cache. */
export const installResult = z.looseObject({sha: z.string(), chunk: z.number(), installed: z.boolean()})

export type OperationResult = z.infer<typeof operationResult>
export type HistoryResult = z.infer<typeof historyResult>
export type LockResult = z.infer<typeof lockResult>
export type ProbeResult = z.infer<typeof probeResult>
export type MonitorResult = z.infer<typeof monitorDocument>
export type BlueGreenProbeResult = z.infer<typeof blueGreenProbe>

const SCHEMAS: Record<ScriptName | 'install', z.ZodMiniType<Record<string, unknown>>> = {
  deploy: operationResult,
  rollback: operationResult,
  app: operationResult,
  history: historyResult,
  lock: lockResult,
  probe: probeResult,
  exec: execResult,
  prune: pruneResult,
  install: installResult,
}

export type ResultCheck = {result: Record<string, unknown>; problem?: undefined} | {result?: undefined; problem: string}

/**
 * Pure: a script's parsed result line, checked against its schema. A result that does not match
 * is a problem that names the fields at fault and quotes what the host printed (cut to 300 characters).
 */
export function checkResult(script: ScriptName | 'install', result: Record<string, unknown>): ResultCheck {
  const checked = SCHEMAS[script].safeParse(result)
  if (checked.success) return {result: checked.data}
  const issues = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(the document)'}: ${i.message}`)
  const printed = JSON.stringify(result)
  return {problem: `${script}.sh printed a result upsc cannot read (${issues.join('; ')}): ${printed.length > 300 ? `${printed.slice(0, 300)}...` : printed}`}
}

/** What to do about an unreadable result: the host's scripts and this CLI disagree. */
export const UNREADABLE_RESULT_ADVICE =
  'This is an upsc bug, or a file on the host that the script reads is damaged: report the reason above (what the host printed) with `upsc --version`; `upsc status` shows what the host is running.'
