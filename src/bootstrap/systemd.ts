/**
 * Pure: the auto-recovery units. upscpro-deploy.service (oneshot, at boot, after Docker and the
 * network) starts the stack again, or finishes a bootstrap that failed; upscpro-monitor.timer runs
 * upscpro-monitor.service every 3 minutes (health checks, restarts, monitor.json).
 */
import type {StageConfig} from '../config/load.js'
import {fillTemplate, readTemplate} from './template.js'

export interface GeneratedFile {
  name: string
  text: string
  /** File mode when written with --out. */
  mode: number
}

export const UNIT_NAMES = ['upscpro-deploy.service', 'upscpro-monitor.service', 'upscpro-monitor.timer'] as const

/** upscpro-monitor.timer's period (OnUnitInactiveSec=3min): `upsc status` warns after twice this. */
export const MONITOR_PERIOD_SECONDS = 180

/** A systemd command-line word: double-quoted, with `%` specifiers and `$` variables escaped. */
export function systemdWord(value: string): string {
  if (/^[A-Za-z0-9/_.:@+-]+$/.test(value)) return value
  return `"${value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', '\\"')
    .replaceAll('%', '%%')
    .replaceAll('$', () => '$$')}"`
}

export function systemdUnits(stage: StageConfig, version: string): GeneratedFile[] {
  // A monitor run: waits for Docker (twice, around a restart), a health gate, and room for restarts.
  const monitorSeconds = 2 * stage.timeouts.dockerReadySeconds + stage.timeouts.healthSeconds + 300
  const values = {
    VERSION: version,
    STAGE: stage.name,
    UPSC_HOME: stage.upscHome,
    RUN: systemdWord(`${stage.upscHome.replace(/\/+$/, '')}/bin/upsc-run`),
    DEPLOY_TIMEOUT: String(stage.timeouts.commandSeconds),
    MONITOR_TIMEOUT: String(monitorSeconds),
  }
  return UNIT_NAMES.map((name) => {
    const template = readTemplate(`systemd/${name}`)
    // Each unit uses only some of the values.
    const used = Object.fromEntries(Object.entries(values).filter(([k]) => template.includes(`@@${k}@@`)))
    return {name, text: fillTemplate(template, {values: used}), mode: 0o644}
  })
}
