/**
 * Run one of the short, read-mostly host scripts (history, lock) on the stage's hosts and collect
 * each host's result. No live output: these finish in a moment.
 */
import type {AwsClients} from '../aws/clients.js'
import type {Target} from '../aws/targets.js'
import type {StageConfig} from '../config/load.js'
import {type HostResult, hostResult} from '../outcome/host-result.js'
import {buildPayload, type ScriptName} from '../remote/payload.js'
import {type Settings, stageSettings} from '../remote/settings.js'
import {runRemote} from './remote-run.js'

export async function runHostScript(
  ctx: {stage: StageConfig; clients: AwsClients},
  targets: Pick<Target, 'instanceId' | 'name'>[],
  script: ScriptName,
  settings: Settings,
  comment: string,
  executionTimeoutSeconds = 120,
): Promise<HostResult[]> {
  const commands = buildPayload(script, {...stageSettings(ctx.stage), ...settings})
  const names = new Map(targets.map((t) => [t.instanceId, t.name]))
  // runRemote sends batches of 50 instances; at 100% concurrency they all go at once.
  const instanceIds = targets.map((t) => t.instanceId)
  const run = await runRemote(ctx.clients, {
    instanceIds,
    commands,
    comment,
    executionTimeoutSeconds,
    deliveryTimeoutSeconds: 60,
    maxConcurrency: '100%',
    maxErrors: '100%',
    script,
  })
  return run.runs.map((r) => hostResult(r, names.get(r.instanceId)))
}
