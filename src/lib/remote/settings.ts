/**
 * Pure: a stage's config -> the UPSC_* settings every host script reads (docs/REMOTE-CONTRACT.md).
 * Lists travel as numbered settings so that no script ever has to split or eval a string.
 */
import type {StageConfig} from '../config.js'

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
  if (stage.containerLogs === 'awslogs') Object.assign(settings, {UPSC_CONTAINER_LOGS: 'awslogs', UPSC_LOG_GROUP: stage.logGroup, UPSC_LOG_REGION: stage.region})
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
