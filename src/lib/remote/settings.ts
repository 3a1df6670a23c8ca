/**
 * Pure: a stage's config -> the UPSC_* settings every host script reads (docs/REMOTE-CONTRACT.md).
 * Lists travel as numbered settings so that no script ever has to split or eval a string.
 */
import {HOOK_POINTS} from '../config-schema.js'
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
