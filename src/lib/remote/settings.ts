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
