/**
 * Pure: the one place the UPSC_* settings host scripts read are built (docs/REMOTE-CONTRACT.md):
 * the stage's, what every change (deploy, rollback, app) adds, and deploy's and rollback's own.
 * The bootstrap's installed settings file starts from deploySettings too (bootstrap/host.ts).
 * Lists travel as numbered settings so that no script ever has to split or eval a string.
 */
import {HOOK_POINTS} from '../config/schema.js'
import type {StageConfig} from '../config/load.js'
import {toolVersion} from '../util/version.js'

export type Settings = Record<string, string | number | boolean | undefined>

export function stageSettings(stage: StageConfig): Settings {
  const settings: Settings = {
    UPSC_STAGE: stage.name,
    UPSC_APP_DIR: stage.appDir,
    UPSC_HOME: stage.upscHome,
    UPSC_COMPOSE_FILE: stage.composeFile,
    UPSC_COMPOSE_PROJECT: stage.composeProject,
    UPSC_UNITS: stage.units.join(' '),
    UPSC_DISK_MIN_FREE_PERCENT: stage.minFreeDiskPercent,
    UPSC_HC_COUNT: stage.healthChecks.length,
  }
  // Traffic services listed under inPlace: the deploy that leaves blueGreen (docs/BLUE-GREEN.md).
  if (stage.deploy.services) Object.assign(settings, blueGreenSettings(stage.deploy))
  // Per-service container streams: every script's compose calls add the logging override.
  if (stage.containerLogs === 'awslogs')
    Object.assign(settings, {UPSC_CONTAINER_LOGS: 'awslogs', UPSC_LOG_GROUP: stage.logGroup, UPSC_LOG_REGION: stage.region})
  stage.healthChecks.forEach((check, index) => {
    const n = index + 1
    settings[`UPSC_HC_${n}_NAME`] = check.name
    settings[`UPSC_HC_${n}_URL`] = check.url
    settings[`UPSC_HC_${n}_SERVICE`] = check.service
    settings[`UPSC_HC_${n}_PORT`] = check.port
    settings[`UPSC_HC_${n}_PATH`] = check.service ? (check.path ?? '/') : undefined
    settings[`UPSC_HC_${n}_EXPECT`] = check.expectStatus
  })
  return settings
}

/** The stage's hooks (deploy.sh, rollback.sh): UPSC_HOOK_<POINT>_COUNT, then per hook _ARGC, _<j> words, _TIMEOUT, _ROLLBACK. */
export function hookSettings(stage: StageConfig, skip: boolean): Settings {
  const settings: Settings = {UPSC_SKIP_HOOKS: skip ? 1 : undefined}
  for (const point of HOOK_POINTS) {
    const hooks = stage.hooks[point] ?? []
    if (hooks.length === 0) continue
    const prefix = `UPSC_HOOK_${point.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
    settings[`${prefix}_COUNT`] = hooks.length
    hooks.forEach((hook, i) => {
      settings[`${prefix}_${i + 1}_ARGC`] = hook.command.length
      hook.command.forEach((word, j) => (settings[`${prefix}_${i + 1}_${j + 1}`] = word))
      settings[`${prefix}_${i + 1}_TIMEOUT`] = hook.timeoutSeconds
      settings[`${prefix}_${i + 1}_ROLLBACK`] = 'rollbackOnFailure' in hook && hook.rollbackOnFailure ? 1 : undefined
    })
  }
  return settings
}
/** The strategy and the traffic services (UPSC_STRATEGY, UPSC_BG_*) as numbered settings. */
function blueGreenSettings(deploy: StageConfig['deploy']): Settings {
  const services = deploy.services ?? []
  const settings: Settings = {
    UPSC_STRATEGY: deploy.strategy,
    UPSC_BG_COUNT: services.length,
    UPSC_BG_KEEP_WARM_SECONDS: deploy.keepWarmSeconds,
    UPSC_BG_LISTEN_HOST: deploy.listenHost,
  }
  services.forEach((service, index) => {
    settings[`UPSC_BG_${index + 1}_SERVICE`] = service.name
    settings[`UPSC_BG_${index + 1}_PORT`] = service.port
    settings[`UPSC_BG_${index + 1}_PUBLIC_PORT`] = service.publicPort
  })
  return settings
}

/**
 * Pure: the deadline a deploy or rollback keeps on the host (UPSC_DEADLINE_SECONDS), inside Run
 * Command's execution timeout, which SIGKILLs with no cleanup: it leaves 10 % of the timeout (at
 * least 15 s, at most 5 minutes) to stop the running step, put things back and record the attempt.
 */
export function scriptDeadlineSeconds(commandSeconds: number): number {
  return commandSeconds - Math.min(300, Math.max(15, Math.round(commandSeconds / 10)))
}

/** Who changes the host, with which version, and how long it waits for docker and the health checks (deploy, rollback, app). */
export function changeSettings(stage: StageConfig, caller: string): Settings {
  return {
    UPSC_CALLER: caller,
    UPSC_TOOL_VERSION: toolVersion,
    UPSC_DOCKER_WAIT_SECONDS: stage.timeouts.dockerReadySeconds,
    UPSC_HEALTH_TIMEOUT_SECONDS: stage.timeouts.healthSeconds,
  }
}

/** What deploy.sh and rollback.sh both read: the stage, the hooks, the run's nonce, the change, the deadline and the build command. */
function releaseSettings(stage: StageConfig, input: {caller: string; skipHooks?: boolean; nonce?: string}): Settings {
  const settings: Settings = {
    ...stageSettings(stage),
    ...hookSettings(stage, input.skipHooks ?? false),
    UPSC_NONCE: input.nonce,
    ...changeSettings(stage, input.caller),
    UPSC_DEADLINE_SECONDS: scriptDeadlineSeconds(stage.timeouts.commandSeconds),
    UPSC_BUILD_COUNT: stage.buildCommand?.length,
  }
  stage.buildCommand?.forEach((word, i) => (settings[`UPSC_BUILD_${i + 1}`] = word))
  return settings
}

export interface DeployInput {
  branch: string
  ref?: string
  caller: string
  deployId: string
  noRollback: boolean
  skipHooks?: boolean
  region?: string
  nonce?: string
}

/** The settings deploy.sh reads. */
export function deploySettings(stage: StageConfig, input: DeployInput): Settings {
  return {
    ...releaseSettings(stage, input),
    UPSC_BRANCH: input.branch,
    UPSC_REF: input.ref,
    UPSC_DEPLOY_ID: input.deployId,
    UPSC_TOKEN_PARAMETER: stage.githubTokenParameter,
    UPSC_ENV_PARAMETER: stage.envParameter,
    UPSC_REGION: input.region,
    UPSC_NO_ROLLBACK: input.noRollback ? 1 : undefined,
    UPSC_KEEP_IMAGES: stage.keepImages,
    UPSC_RETRY_TRIES: stage.retry.tries,
    UPSC_RETRY_BASE_SECONDS: stage.retry.baseSeconds,
  }
}

/** The settings rollback.sh reads: go back to deployment `to`. */
export function rollbackSettings(stage: StageConfig, input: {to: string; caller: string; skipHooks?: boolean; nonce?: string}): Settings {
  return {...releaseSettings(stage, input), UPSC_ROLLBACK_TO: input.to}
}
