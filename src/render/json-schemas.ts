/**
 * The `--json` documents, one zod schema each: the contract of docs/JSON.md. `npm run docs` writes
 * them to schema/json/*.schema.json; the e2e tests parse the built CLI's real output with them.
 *
 * Commands take only the inferred types (`import type`), so no command loads zod for its output.
 * Objects the CLI builds are strict (a field the schema lacks fails the tests); the documents a host
 * script prints (results, records, the probe's parts) are open: docs/REMOTE-CONTRACT.md owns them.
 */
import * as z from 'zod'

import {probeResult} from '../remote/results.js'

const hostDocument = z.record(z.string(), z.unknown()).describe('A document a host script printed (docs/REMOTE-CONTRACT.md)')
const instanceId = z.string().describe('EC2 instance id')
const name = z.string().optional().describe('The Name tag')

export const errorJson = z.strictObject({
  error: z.strictObject({
    code: z.string().describe("Stable error code, e.g. 'bad-branch'; 'unexpected' for a bug"),
    message: z.string(),
    hint: z.string().optional().describe('What to do next'),
    exitCode: z.int().describe('The process exit code (docs/EXIT-CODES.md)'),
  }),
})

// --- status ---------------------------------------------------------------------------------

const verdict = z.enum(['ok', 'warn', 'fail', 'skip'])
const colour = z.enum(['blue', 'green'])

// probe.sh's document: the schema the status probe is checked with (remote/results.ts, docs/REMOTE-CONTRACT.md).
// That one is a zod/mini schema, without .describe(): its description goes into the registry.
const probe = probeResult
z.globalRegistry.add(probe, {description: "probe.sh's document (docs/REMOTE-CONTRACT.md)"})

export const statusJson = z.strictObject({
  schema: z.literal(1),
  stage: z.string(),
  region: z.string().optional(),
  checkedAt: z.string(),
  summary: z.strictObject({
    instances: z.int(),
    healthy: z.int(),
    warnings: z.int(),
    failing: z.int(),
    failed: z.array(z.strictObject({instanceId, name, checks: z.array(z.string()).describe('ids of the failed checks')})),
    deploys: z
      .strictObject({window: z.int(), deploys: z.int(), failed: z.int(), failureRate: z.number()})
      .optional()
      .describe("The failure rate of the stage's last deploys (absent without metrics)"),
  }),
  instances: z.array(
    z.strictObject({
      instanceId,
      name,
      verdict: z.enum(['ok', 'warn', 'fail']),
      checks: z.array(z.strictObject({id: z.string(), label: z.string(), verdict, detail: z.string()})),
      probe: z.optional(probe),
    }),
  ),
})

// --- runs on hosts: deploy, rollback, app, env push ------------------------------------------

const hostResult = z.strictObject({
  instanceId,
  name,
  outcome: z.enum(['succeeded', 'failed', 'rolled-back', 'lock-held', 'unreachable', 'interrupted', 'cancelled', 'not-started', 'timed-out', 'running']),
  exitCode: z.int(),
  result: hostDocument.optional().describe("The script's `::upsc result` document"),
  steps: z.array(
    z.strictObject({kind: z.literal('step').optional(), name: z.string(), status: z.string(), seconds: z.number().optional(), detail: z.string().optional()}),
  ),
  records: z.array(hostDocument).describe('The history records the run wrote'),
  warnings: z.array(z.string()),
  reason: z.string().optional(),
  advice: z.string().optional(),
  invocationStatus: z.string().describe('The Run Command status (Success, Failed, ...)'),
  outputSource: z.enum(['cloudwatch', 'invocation']),
  outputTruncated: z.boolean(),
})

export const deployJson = z.strictObject({
  stage: z.string(),
  commandId: z.string(),
  deployId: z.string().optional(),
  branch: z.string().optional(),
  ref: z.string().optional(),
  detached: z.boolean().describe('Following stopped (Ctrl-C, --detach): the deploy goes on on the hosts'),
  hosts: z.array(hostResult),
  exitCode: z.int(),
  warnings: z.array(z.string()).optional().describe('Metrics or a notification that could not be sent'),
  cancelled: z
    .array(
      z.strictObject({
        instanceId,
        name,
        how: z.enum(['graceful', 'forced', 'not-running', 'failed']),
        deployId: z.string().optional(),
        branch: z.string().optional(),
        commit: z.string().optional(),
        message: z.string(),
      }),
    )
    .optional()
    .describe('--cancel: what happened on each host'),
})

// A history record as the host wrote it (docs/REMOTE-CONTRACT.md): open, these are the keys upsc reads.
const record = z.looseObject({
  id: z.string(),
  kind: z.enum(['deploy', 'rollback', 'app']),
  branch: z.string().nullish(),
  commit: z.string().nullish(),
  previousCommit: z.string().nullish(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationSeconds: z.number().optional(),
  outcome: z.string(),
  failedStep: z.string().nullish(),
  reason: z.string().nullish(),
  rolledBackTo: z.string().nullish(),
  auto: z.boolean().optional(),
  hooksSkipped: z.boolean().optional(),
  caller: z.string().nullish(),
  toolVersion: z.string().nullish(),
  hostname: z.string().nullish(),
  colour: colour.optional(),
  instanceId: z.string().optional().describe('Which instance the record comes from'),
})

export const rollbackJson = z.strictObject({
  stage: z.string(),
  plans: z.array(z.strictObject({instanceId, fromCommit: z.string().optional(), fromBranch: z.string().optional(), to: record})),
  commandIds: z.array(z.string()),
  hosts: z.array(hostResult),
  exitCode: z.int(),
  detached: z.boolean(),
  warnings: z.array(z.string()).optional(),
})

export const appJson = z.strictObject({
  stage: z.string(),
  action: z.enum(['restart', 'stop', 'start']),
  services: z.array(z.string()),
  commandId: z.string(),
  detached: z.boolean(),
  hosts: z.array(hostResult),
  exitCode: z.int(),
})

export const appPsJson = z.strictObject({
  stage: z.string(),
  hosts: z.array(
    z.strictObject({
      instanceId,
      name,
      services: z.array(z.looseObject({name: z.string(), state: z.string(), health: z.string().nullish(), restarts: z.number().nullish()})),
      error: z.string().nullable().describe('Why services is empty, else null'),
    }),
  ),
})

// --- history, lock -----------------------------------------------------------------------------

export const historyJson = z.strictObject({
  stage: z.string(),
  records: z.array(record),
  hosts: z.array(
    z.strictObject({
      instanceId,
      name,
      total: z.int(),
      skipped: z.int(),
      current: z
        .strictObject({commit: z.string().optional(), branch: z.string().optional(), id: z.string().optional(), since: z.string().optional()})
        .nullish()
        .describe('current.json: what the stack was last started from'),
    }),
  ),
  source: z.enum(['host', 'cloudwatch']),
})

export const lockJson = z.strictObject({
  stage: z.string(),
  action: z.enum(['status', 'acquire', 'release']),
  hosts: z.array(
    z.strictObject({
      instanceId,
      name,
      held: z.boolean(),
      stale: z.boolean(),
      released: z.boolean(),
      forced: z.boolean(),
      holder: z
        .strictObject({
          kind: z.string().optional(),
          id: z.string().optional(),
          caller: z.string().optional(),
          pid: z.number().optional(),
          since: z.string().optional(),
          branch: z.string().optional(),
          commandId: z.string().optional(),
          alive: z.boolean().optional(),
        })
        .nullable()
        .describe('The run lock: a deploy, rollback or monitor running'),
      message: z.string(),
      hold: z
        .strictObject({
          message: z.string(),
          caller: z.string().nullable(),
          since: z.string(),
          expiresAt: z.string().nullable(),
          commandId: z.string().nullable(),
        })
        .nullable()
        .describe("The operator's hold; expiresAt null: until released"),
      exitCode: z.int(),
    }),
  ),
})

// --- logs (one object per line), exec ----------------------------------------------------------

export const logsJson = z.strictObject({
  time: z.string().describe('ISO 8601'),
  timestamp: z.number().describe('Epoch milliseconds'),
  group: z.string(),
  stream: z.string(),
  message: z.string(),
  eventId: z.string().optional(),
  ingestionTime: z.number().optional(),
})

export const execJson = z.strictObject({
  schema: z.literal(1),
  stage: z.string(),
  command: z.array(z.string()),
  commandId: z.string(),
  interrupted: z.boolean(),
  exitCode: z.int(),
  hosts: z.array(
    z.strictObject({
      instanceId,
      name,
      outcome: z.enum(['succeeded', 'failed', 'timed-out', 'cancelled', 'unreachable', 'running', 'not-sent']),
      exitCode: z.int().describe("The command's exit code on the host; 124 timed out, 130 cancelled, 4 never delivered, 3 never sent"),
      status: z.string().describe('The Run Command status'),
      stdout: z.string(),
      stderr: z.string(),
      stdoutTruncated: z.boolean(),
      stderrTruncated: z.boolean(),
      outputSource: z.enum(['cloudwatch', 'invocation']),
      reason: z.string().optional().describe("not-sent: why AWS did not take the command for this host (its batch's SendCommand failed)"),
    }),
  ),
})

// --- day two: prune, env, validate -------------------------------------------------------------

export const pruneJson = z.strictObject({
  stage: z.string(),
  dryRun: z.boolean(),
  hosts: z.array(
    z.strictObject({
      instanceId,
      name,
      dryRun: z.boolean(),
      stoppedContainers: z.int(),
      danglingImages: z.int(),
      removedTags: z.array(z.string()),
      buildCacheBytes: z.number().nullable(),
      reclaimedBytes: z.number().nullable(),
      diskFreeBefore: z.number().nullable(),
      diskFreeAfter: z.number().nullable(),
      error: z.string().nullable(),
      exitCode: z.int(),
    }),
  ),
})

export const envShowJson = z.strictObject({
  stage: z.string(),
  parameter: z.string(),
  exists: z.boolean(),
  revealed: z.boolean(),
  variables: z.array(z.strictObject({key: z.string(), value: z.string().describe('******** unless --reveal')})),
})

export const envEditJson = z.strictObject({
  stage: z.string(),
  parameter: z.string(),
  changes: z.array(z.strictObject({key: z.string(), change: z.enum(['added', 'changed', 'removed'])})),
  applied: z.boolean(),
  version: z.int().nullable(),
})

export const validateJson = z.strictObject({
  stage: z.string(),
  dir: z.string(),
  composeFile: z.string(),
  services: z.array(z.string()),
  problems: z.array(z.strictObject({kind: z.enum(['compose', 'health-check']), message: z.string()})),
  ok: z.boolean(),
})

// --- set-up: doctor, init, bootstrap -----------------------------------------------------------

export const doctorJson = z.strictObject({
  checks: z.array(z.strictObject({id: z.string(), label: z.string(), verdict, detail: z.string(), fix: z.string().optional()})),
  summary: z.strictObject({ok: z.int(), warn: z.int(), fail: z.int(), skip: z.int()}),
  exitCode: z.int(),
})

export const initJson = z.strictObject({
  file: z.string().describe('The config file written'),
  found: z.strictObject({
    region: z.string(),
    regionSource: z.enum(['--region', 'config', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'profile', 'default']),
    instances: z.array(z.strictObject({instanceId, name, state: z.string(), ping: z.string().optional()})),
    tokenParameters: z.array(z.string()).describe('Names only, never values'),
    problem: z.string().optional(),
  }),
  config: z.unknown().describe('The config written (schema/upsc.config.schema.json)'),
})

export const bootstrapJson = z.strictObject({
  stage: z.string(),
  kind: z.enum(['user-data', 'host-scripts', 'systemd', 'cloudwatch-agent', 'terraform', 'pre-commit']),
  outputs: z.array(
    z.strictObject({
      name: z.string(),
      path: z.string().nullable().describe('Where it was written (--out), else null'),
      bytes: z.int(),
      text: z.string().optional().describe('The text, when printed'),
    }),
  ),
})

/** Every document, by the name of its file in schema/json/ and the commands that print it. */
export const JSON_DOCUMENTS = {
  error: {schema: errorJson, commands: ['<any command>'], note: 'on failure, instead of the document'},
  status: {schema: statusJson, commands: ['status']},
  deploy: {schema: deployJson, commands: ['deploy', 'env push']},
  rollback: {schema: rollbackJson, commands: ['rollback']},
  app: {schema: appJson, commands: ['app restart', 'app stop', 'app start']},
  'app-ps': {schema: appPsJson, commands: ['app ps']},
  history: {schema: historyJson, commands: ['history']},
  lock: {schema: lockJson, commands: ['lock status', 'lock acquire', 'lock release']},
  logs: {schema: logsJson, commands: ['logs'], note: 'one document per line, per log event'},
  exec: {schema: execJson, commands: ['exec']},
  prune: {schema: pruneJson, commands: ['prune']},
  'env-show': {schema: envShowJson, commands: ['env show']},
  'env-edit': {schema: envEditJson, commands: ['env set', 'env unset']},
  validate: {schema: validateJson, commands: ['validate']},
  doctor: {schema: doctorJson, commands: ['doctor']},
  init: {schema: initJson, commands: ['init']},
  bootstrap: {schema: bootstrapJson, commands: ['bootstrap <kind>'], note: 'every bootstrap command'},
} as const satisfies Record<string, {schema: z.ZodType; commands: readonly string[]; note?: string}>

export type JsonDocumentName = keyof typeof JSON_DOCUMENTS

/** The JSON Schema of one document (schema/json/<name>.schema.json). */
export function jsonDocumentSchema(name: JsonDocumentName): Record<string, unknown> {
  const {schema, commands} = JSON_DOCUMENTS[name]
  const {$schema, ...rest} = z.toJSONSchema(schema, {target: 'draft-7', io: 'output'})
  return {$schema, title: commands.map((c) => `upsc ${c} --json`).join(', '), ...rest}
}

/** Pure: docs/JSON.md's table of the documents and their schema files. */
export function renderJsonSchemaTable(): string {
  const rows = Object.entries(JSON_DOCUMENTS).map(([name, document]) => {
    const commands = document.commands.map((c) => `\`upsc ${c} --json\``).join(', ')
    const note = 'note' in document ? document.note : ''
    return `| ${commands} | [${name}.schema.json](../schema/json/${name}.schema.json) | ${note} |`
  })
  return ['| printed by | schema | |', '| --- | --- | --- |', ...rows].join('\n')
}

export type ErrorJson = z.infer<typeof errorJson>
export type StatusJson = z.infer<typeof statusJson>
export type DeployJson = z.infer<typeof deployJson>
export type RollbackJson = z.infer<typeof rollbackJson>
export type AppJson = z.infer<typeof appJson>
export type AppPsJson = z.infer<typeof appPsJson>
export type HistoryJson = z.infer<typeof historyJson>
export type LockJson = z.infer<typeof lockJson>
export type LogsJson = z.infer<typeof logsJson>
export type ExecJson = z.infer<typeof execJson>
export type PruneJson = z.infer<typeof pruneJson>
export type EnvShowJson = z.infer<typeof envShowJson>
export type EnvEditJson = z.infer<typeof envEditJson>
export type ValidateJson = z.infer<typeof validateJson>
export type DoctorJson = z.infer<typeof doctorJson>
export type InitJson = z.infer<typeof initJson>
export type BootstrapJson = z.infer<typeof bootstrapJson>
