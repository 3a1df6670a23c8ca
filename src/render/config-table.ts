/**
 * Pure: the configuration reference tables in docs/CONFIGURATION.md, rendered from the zod schema
 * (key, meaning) and from `stageDefaults` (default), so the docs cannot drift from the validator.
 */
import {stageDefaults} from '../config/load.js'
import {configFileSchema, descriptionOf, stageSchema} from '../config/schema.js'

/** Defaults that are not a value in `stageDefaults` (resolved at run time, or left to a tool). */
const RUNTIME_DEFAULTS: Record<string, string> = {
  region: "`--region`, `AWS_REGION`, the profile's region, else `ap-south-1`",
  profile: '`AWS_PROFILE`, else the default credential chain',
  instances: '`{"tags": {"Name": "upscpro-<stage>-docker"}}`',
  composeProject: 'basename of `appDir`',
  buildCommand: '`docker compose build`',
}

const cell = (text: string): string => text.replaceAll('|', '\\|')

/** JSON on one line, spaced as people write it: `{"a": 1, "b": [2, 3]}`. */
export function compactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(compactJson).join(', ')}]`
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${compactJson(v)}`)
      .join(', ')}}`
  return JSON.stringify(value)
}

function defaultOf(key: string, defaults: Record<string, unknown>): string {
  if (key in RUNTIME_DEFAULTS) return RUNTIME_DEFAULTS[key]!
  if (!(key in defaults)) return 'none'
  const value = defaults[key]
  return `\`${typeof value === 'string' ? value : compactJson(value)}\``
}

export function renderConfigTable(): string {
  const defaults = stageDefaults('<stage>') as unknown as Record<string, unknown>
  const stageRows = Object.entries(stageSchema.shape).map(
    ([key, schema]) => `| \`${key}\` | ${cell(defaultOf(key, defaults))} | ${cell(descriptionOf(schema) ?? '')} |`,
  )
  const topRows = Object.entries(configFileSchema.shape).map(([key, schema]) => `| \`${key}\` | ${cell(descriptionOf(schema) ?? '')} |`)
  return [
    '| key (per stage) | default | meaning |',
    '| --- | --- | --- |',
    ...stageRows,
    '',
    '| key (top level) | meaning |',
    '| --- | --- |',
    ...topRows,
  ].join('\n')
}
