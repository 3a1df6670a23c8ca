/** Pure: the app repository's git pre-commit hook (templates/git/pre-commit). */
import type {StageConfig} from '../config/load.js'
import {fillTemplate, readTemplate} from './template.js'

export function preCommitHook(stage: StageConfig, configFile: string): string {
  return fillTemplate(readTemplate('git/pre-commit'), {values: {STAGE: stage.name, CONFIG: configFile}})
}
