/**
 * The `::upsc result` document of each host script, as zod schemas (docs/REMOTE-CONTRACT.md): the
 * report parser checks a result against its script's schema instead of casting it, and the types
 * the CLI reads are inferred from them. The schemas name the fields the CLI relies on and keep the
 * others (loose objects): a newer script may add fields; a field the CLI reads that is missing or
 * of the wrong type makes the result unreadable, a clear failure for that host.
 *
 * The one module that imports zod at run time for the host side: keep it so (start-up time).
 */
import * as z from 'zod'

import type {ScriptName} from './payload.js'

const text = z.string().nullish()
const count = z.number().nullish()
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
  lock: object.nullish(),
})

/** history.sh: one page of records, and with UPSC_ROLLBACK_PLAN=1 the host's rollback plan. */
export const historyResult = z.looseObject({
  records: z.array(object),
  total: z.number(),
  skipped: z.number(),
  next: z.number().nullable(),
  current: object.nullable(),
  rollback: z.looseObject({running: text, target: object.nullable(), problem: text}).optional(),
})

/** lock.sh: the lock, the hold, and what the action did. */
export const lockResult = z.looseObject({
  action: z.string(),
  held: z.boolean(),
  stale: z.boolean(),
  holder: object.nullable(),
  released: z.boolean(),
  forced: z.boolean(),
  message: text,
  hold: object.nullable(),
})

const monitorDocument = z.looseObject({
  checkedAt: z.string().optional(),
  outcome: z.string().optional(),
  detail: text,
  restarts24h: z.record(z.string(), z.number()).optional(),
  lastRecoveryAt: text,
  openIncidents: z.array(z.string()).optional(),
})

const colour = z.enum(['blue', 'green']).nullable()
const blueGreenProbe = z.looseObject({
  strategy: z.string(),
  live: colour,
  liveCommit: z.string().nullable(),
  idle: colour,
  idleState: z.enum(['running', 'stopped']).nullable(),
  idleCommit: z.string().nullable(),
  proxy: z.looseObject({
    running: z.boolean(),
    ports: z.array(z.looseObject({service: z.string(), port: z.number(), status: z.number().nullable(), colour: z.string().nullable()})),
  }),
})

/** probe.sh: the host as `upsc status` and `upsc app ps` see it. Each part fails soft, so most are optional. */
export const probeResult = z.looseObject({
  schema: z.number(),
  host: z.looseObject({hostname: z.string().optional(), uptimeSeconds: count, diskFreeBytes: count, diskTotalBytes: count, diskFreePercent: count}).optional(),
  docker: z.looseObject({running: z.boolean(), serverVersion: text, composeVersion: text, error: text}).optional(),
  repo: z
    .looseObject({
      present: z.boolean(),
      branch: text,
      commit: text,
      running: text,
      clean: z.boolean().nullish(),
      untracked: z.array(z.string()).optional(),
      untrackedCount: z.number().optional(),
      error: text,
    })
    .optional(),
  images: z.array(z.looseObject({repository: z.string(), tag: z.string(), id: z.string().optional(), createdAt: text, ageSeconds: count})).optional(),
  services: z.array(z.looseObject({name: z.string(), state: z.string(), health: text, restarts: count})).optional(),
  servicesError: text,
  healthChecks: z.array(healthCheck).optional(),
  units: z.array(z.looseObject({name: z.string(), present: z.boolean(), enabled: text, active: text})).optional(),
  lastDeployment: object.nullish(),
  bootstrap: object.nullish(),
  blueGreen: blueGreenProbe.nullish(),
  monitor: monitorDocument.nullish(),
})

/** exec.sh: the command's exit code. */
export const execResult = z.looseObject({exitCode: z.number()})

/** prune.sh: what was (or would be) removed; `error` when it could not run. */
export const pruneResult = z.looseObject({dryRun: z.boolean(), error: text, lock: object.nullish()})

/** install.sh: one chunk of the script cache. */
export const installResult = z.looseObject({sha: z.string(), chunk: z.number(), installed: z.boolean()})

export type OperationResult = z.infer<typeof operationResult>
export type HistoryResult = z.infer<typeof historyResult>
export type LockResult = z.infer<typeof lockResult>
export type ProbeResult = z.infer<typeof probeResult>
export type MonitorResult = z.infer<typeof monitorDocument>
export type BlueGreenProbeResult = z.infer<typeof blueGreenProbe>

const SCHEMAS: Record<ScriptName | 'install', z.ZodType<Record<string, unknown>>> = {
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
