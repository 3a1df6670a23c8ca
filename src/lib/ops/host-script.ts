/**
 * Run one of the short, read-mostly host scripts (history, lock) on the stage's hosts and collect
 * each host's result. No live output: these finish in a moment.
 */
import type {StageContext} from '../base-command.js'
import {MAX_INSTANCES_PER_COMMAND} from '../aws/run-command.js'
import {buildPayload, type ScriptName} from '../remote/payload.js'
import {type Settings, stageSettings} from '../remote/settings.js'
import {type HostResult, hostResult} from './host-result.js'
import type {ReachableTarget} from './preflight.js'
import {runRemote} from './remote-run.js'

export async function runHostScript(
  ctx: StageContext,
  targets: Pick<ReachableTarget, 'instanceId' | 'name'>[],
  script: ScriptName,
  settings: Settings,
  comment: string,
  executionTimeoutSeconds = 120,
): Promise<HostResult[]> {
  const commands = buildPayload(script, {...stageSettings(ctx.stage), ...settings})
  const names = new Map(targets.map((t) => [t.instanceId, t.name]))
  const results: HostResult[] = []
  for (let i = 0; i < targets.length; i += MAX_INSTANCES_PER_COMMAND) {
    const batch = targets.slice(i, i + MAX_INSTANCES_PER_COMMAND).map((t) => t.instanceId)
    const run = await runRemote(ctx.clients, {instanceIds: batch, commands, comment, executionTimeoutSeconds, deliveryTimeoutSeconds: 60, maxConcurrency: '100%', maxErrors: '100%'})
    results.push(...run.runs.map((r) => hostResult(r, names.get(r.instanceId))))
  }
  return results
}
