/**
 * `upsc app restart|stop|start|ps`: control the app's compose services on every host of the stage
 * (app.sh: through the deploy lock, health gate after start/restart, recorded in history), or list
 * them (the probe's services, without the rest of status).
 */
import {randomUUID} from 'node:crypto'

import type {StageContext} from './context.js'
import {usageError} from '../errors/upsc-error.js'
import {buildPayload} from '../remote/payload.js'
import {changeSettings, type Settings, stageSettings} from '../remote/settings.js'
import type {ProbeDocument} from '../status/types.js'
import type {DeployEvents} from './deploy.js'
import {combinedExitCode, type HostResult, hostResult} from '../outcome/host-result.js'
import {runHostScript} from '../engine/host-script.js'
import {callerArn, reachableTargets} from './preflight.js'
import {runRemote} from '../engine/remote-run.js'

export type AppAction = 'restart' | 'stop' | 'start'

export interface AppResult {
  stage: string
  action: AppAction
  services: string[]
  commandId: string
  detached: boolean
  hosts: HostResult[]
  exitCode: number
}

export interface AppPsResult {
  stage: string
  hosts: {instanceId: string; name?: string; services: NonNullable<ProbeDocument['services']>; error: string | null}[]
}

const SERVICE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** Pure: the settings app.sh reads; service names are checked before any AWS call. */
export function appSettings(ctx: Pick<StageContext, 'stage'>, action: AppAction, services: string[], caller: string): Settings {
  const bad = services.find((s) => !SERVICE.test(s))
  if (bad !== undefined)
    throw usageError('bad-service', `${JSON.stringify(bad)} is not a compose service name.`, 'Pass the names `upsc app ps` lists, e.g. --service api.')
  const settings: Settings = {
    ...stageSettings(ctx.stage),
    UPSC_APP_ACTION: action,
    UPSC_APP_SERVICE_COUNT: services.length,
    UPSC_DEPLOY_ID: `a-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`,
    ...changeSettings(ctx.stage, caller),
  }
  services.forEach((s, i) => (settings[`UPSC_APP_SERVICE_${i + 1}`] = s))
  return settings
}

export async function runApp(ctx: StageContext, action: AppAction, services: string[], events: DeployEvents = {}, signal?: AbortSignal): Promise<AppResult> {
  appSettings(ctx, action, services, '')
  const [targets, caller] = await Promise.all([reachableTargets(ctx), callerArn(ctx.clients)])
  const commands = buildPayload('app', appSettings(ctx, action, services, caller))
  const instanceIds = targets.map((t) => t.instanceId)
  const names = new Map(targets.map((t) => [t.instanceId, t.name]))
  // One host at a time, stopping at the first failure: a restart never takes the whole stage down.
  const run = await runRemote(
    ctx.clients,
    {
      instanceIds,
      commands,
      comment: `upsc app ${action} ${ctx.stage.name}`,
      executionTimeoutSeconds: ctx.stage.timeouts.commandSeconds,
      deliveryTimeoutSeconds: ctx.stage.timeouts.deliverySeconds,
      outputLogGroup: ctx.stage.runCommandLogGroup,
      maxConcurrency: '1',
      maxErrors: '0',
      script: 'app',
    },
    {onSent: (id) => events.onSent?.(id, instanceIds), onLine: events.onLine},
    signal,
  )
  const hosts = run.runs.map((r) => hostResult(r, names.get(r.instanceId)))
  return {
    stage: ctx.stage.name,
    action,
    services,
    commandId: run.commandId,
    detached: run.detached,
    hosts,
    exitCode: run.detached ? 0 : combinedExitCode(hosts),
  }
}

/** `upsc app ps`: the services part of the probe. */
export async function runAppPs(ctx: StageContext): Promise<AppPsResult> {
  const targets = await reachableTargets(ctx)
  const hosts = await runHostScript(ctx, targets, 'probe', {}, `upsc app ps ${ctx.stage.name}`)
  return {
    stage: ctx.stage.name,
    hosts: hosts.map((h) => {
      const probe = h.result as ProbeDocument | undefined
      return {
        instanceId: h.instanceId,
        ...(h.name ? {name: h.name} : {}),
        services: probe?.services ?? [],
        error: (h.result?.servicesError as string | null | undefined) ?? h.reason ?? null,
      }
    }),
  }
}
